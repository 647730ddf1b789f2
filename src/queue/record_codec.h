#pragma once
// The byte encodings of the queue's databases (src/queue/FORMAT.md): a QueuedMessage record and
// the due-index key. Pure functions; decoding validates every length and value and returns an
// invalid error for corrupt bytes instead of reading past the end.

#include <string>
#include <string_view>

#include "sluice/common/result.h"
#include "sluice/queue/queue_store.h"

namespace sluice::queue {

inline constexpr unsigned char kRecordVersion = 1;
// LMDB keys are at most 511 bytes; the due key adds 8 bytes of time to the id.
inline constexpr std::size_t kMaxIdBytes = 400;

std::string encode_record(const QueuedMessage& message);
Result<QueuedMessage> decode_record(std::string_view bytes);

// 8 bytes of big-endian microseconds since the epoch (times before 1970 count as 0), then the
// id: byte order is time order, ties broken by id.
std::string encode_due_key(SystemTime next_attempt, const mail::QueueId& id);
Result<DueEntry> decode_due_key(std::string_view key);

}  // namespace sluice::queue
