#pragma once
// Reads the extensions an upstream advertises in its EHLO reply (RFC 5321 4.1.1.1): one keyword
// per line after the first, case-insensitive, with parameters. Pure; used by ClientProtocol.

#include "sluice/delivery/client_protocol.h"
#include "sluice/delivery/smtp_reply.h"

namespace sluice::delivery {

// The capabilities of a positive EHLO reply (esmtp set); unknown keywords are ignored.
Capabilities capabilities_in(const SmtpReply& ehlo_reply);

}  // namespace sluice::delivery
