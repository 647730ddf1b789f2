#pragma once
// The byte encodings of the queue's databases (src/queue/FORMAT.md): a QueuedMessage record, the
// due-index key, the campaign index's keys and rows. Pure functions; decoding validates every
// length and value and returns an invalid error for corrupt bytes instead of reading past the end.

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/result.h"
#include "sluice/queue/queue_store.h"

namespace sluice::queue {

inline constexpr unsigned char kRecordVersion = 1;
// LMDB keys are at most 511 bytes (its default MDB_MAXKEYSIZE, which Debian's liblmdb keeps).
inline constexpr std::size_t kMaxKeyBytes = 511;
// The due key adds 8 bytes of time to the id; the campaign due key adds at most 102 more.
inline constexpr std::size_t kMaxIdBytes = 400;
// Campaign names up to this length are their own index name; longer ones are abbreviated.
inline constexpr std::size_t kMaxIndexedCampaignBytes = 100;

std::string encode_record(const QueuedMessage& message);
Result<QueuedMessage> decode_record(std::string_view bytes);

// 8 bytes of big-endian microseconds since the epoch (times before 1970 count as 0), then the
// id: byte order is time order, ties broken by id.
std::string encode_due_key(SystemTime next_attempt, const mail::QueueId& id);
Result<DueEntry> decode_due_key(std::string_view key);

// The name a campaign has in the campaign indexes: the campaign itself up to 100 bytes; a longer
// one becomes its first 93 bytes and 8 bytes of its FNV-1a hash (101 bytes, so it never equals
// a name that is not abbreviated), which keeps every key within LMDB's limit.
std::string campaign_index_name(std::string_view campaign);
// The varint length and the bytes of the index name: every campaign_due key of the campaign
// starts with it, and no key of another campaign does.
std::string campaign_due_prefix(std::string_view campaign);
// The prefix, then the due key.
std::string encode_campaign_due_key(std::string_view campaign, SystemTime next_attempt,
                                    const mail::QueueId& id);
Result<DueEntry> decode_campaign_due_key(std::string_view key);

// A row of `campaigns`: the key is '.' and the index name (LMDB keys cannot be empty, and a
// common first byte keeps byte order); the value is the count of active messages, then the full
// name if the index name is abbreviated.
std::string campaign_row_key(std::string_view campaign);
std::string encode_campaign_row(std::string_view campaign, std::uint64_t active);
Result<CampaignQueue> decode_campaign_row(std::string_view key, std::string_view value);

}  // namespace sluice::queue
