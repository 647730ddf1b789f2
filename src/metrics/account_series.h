#pragma once
// The per-account delivery series (attempts, results, reply classes, upstream connections, TLS
// and AUTH failures), one bundle per account, built once. The configured accounts are created
// up front, so they export zeros from the start; another name (an account added later) gets
// its bundle on first use. Shared by DeliveryMetrics and ConnectionMetrics; thread-safe: the
// lookup takes a shared lock on a small map (no Family::Add per event).

#include <array>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Counter;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace sluice::metrics {

struct AccountSeries {
  prometheus::Counter* attempts = nullptr;
  std::array<prometheus::Counter*, 3> results{};      // by scheduler::RecipientResult
  std::array<prometheus::Counter*, 4> replies{};      // 2xx, 4xx, 5xx, none
  std::array<prometheus::Counter*, 2> connections{};  // reused no, yes
  prometheus::Counter* tls_failures = nullptr;
  prometheus::Counter* auth_failures = nullptr;
};

class AccountSeriesCache {
 public:
  AccountSeriesCache(prometheus::Registry& registry, const std::vector<std::string>& accounts);
  ~AccountSeriesCache();

  const AccountSeries& get(const std::string& account);

 private:
  std::unique_ptr<AccountSeries> build(const std::string& account) const;

  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Family<prometheus::Counter>& results_;
  prometheus::Family<prometheus::Counter>& replies_;
  prometheus::Family<prometheus::Counter>& connections_;
  prometheus::Family<prometheus::Counter>& tls_failures_;
  prometheus::Family<prometheus::Counter>& auth_failures_;

  std::shared_mutex mutex_;  // guards by_account_ (bundles never move once built)
  std::unordered_map<std::string, std::unique_ptr<AccountSeries>> by_account_;
};

// "2xx", "4xx", "5xx" for codes in those hundreds; "none" for 0 and anything else.
std::size_t reply_class_index(std::uint16_t code);

}  // namespace sluice::metrics
