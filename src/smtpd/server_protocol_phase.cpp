// What the shell may ask about the protocol's phase beyond server_protocol.cpp's accessors.

#include "protocol_state.h"

namespace sluice::smtpd {

bool ServerProtocol::receiving_message() const {
  return state_->phase == Phase::data || state_->phase == Phase::bdat;
}

}  // namespace sluice::smtpd
