#pragma once
// A DNS server for tests: a UDP responder on 127.0.0.1 (port 0) that answers A and AAAA
// questions from a table (NOERROR without answers for a known name lacking that family),
// NXDOMAIN for names it does not know, SERVFAIL for names set to fail, and nothing at all for
// names set to stay silent (a timeout). Malformed packets are ignored. It counts the questions.
// Runs on the io_context it is given (usually the test's own, so one run_for drives resolver and
// server); tables and counters are behind a mutex, so that context may run on another thread.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

namespace sluice::testing {

class FakeDnsServer {
 public:
  static constexpr std::uint16_t kTypeA = 1;
  static constexpr std::uint16_t kTypeAaaa = 28;

  explicit FakeDnsServer(boost::asio::io_context& io)
      : socket_(io,
                boost::asio::ip::udp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), 0)) {
    receive();
  }

  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  // For ResolverOptions::servers.
  std::string server() const { return "127.0.0.1:" + std::to_string(port()); }

  // `name` answers with these addresses (IPv4 to A, IPv6 to AAAA, in this order) and TTL.
  void answer(const std::string& name, const std::vector<std::string>& addresses,
              std::uint32_t ttl = 300) {
    Entry entry{{}, ttl};
    for (const auto& text : addresses)
      entry.addresses.push_back(boost::asio::ip::make_address(text));
    std::lock_guard lock(mutex_);
    entries_[lower(name)] = std::move(entry);
  }
  void fail(const std::string& name) {
    std::lock_guard lock(mutex_);
    failing_.insert(lower(name));
  }
  void stay_silent(const std::string& name) {
    std::lock_guard lock(mutex_);
    silent_.insert(lower(name));
  }

  // Questions received, all or for one name (any type).
  std::size_t queries() const {
    std::lock_guard lock(mutex_);
    std::size_t total = 0;
    for (const auto& [name, count] : queries_) total += count;
    return total;
  }
  std::size_t queries_for(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = queries_.find(lower(name));
    return it == queries_.end() ? 0 : it->second;
  }

 private:
  struct Entry {
    std::vector<boost::asio::ip::address> addresses;
    std::uint32_t ttl = 300;
  };
  struct Question {
    std::string name;  // lower case, no trailing dot
    std::uint16_t type = 0;
    std::size_t end = 0;  // offset just past the question
  };
  static constexpr std::uint8_t kNoError = 0, kServFail = 2, kNxDomain = 3;

  static std::string lower(std::string text) {
    for (char& c : text) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
  }

  static std::optional<Question> parse_question(const std::uint8_t* p, std::size_t n) {
    if (n < 12 || (p[2] & 0x80) != 0) return std::nullopt;  // short, or a response
    if (p[4] != 0 || p[5] != 1) return std::nullopt;        // exactly one question
    Question q;
    std::size_t i = 12;
    for (;;) {
      if (i >= n) return std::nullopt;
      std::size_t length = p[i++];
      if (length == 0) break;
      if (length > 63 || i + length > n) return std::nullopt;  // no compression in questions
      if (!q.name.empty()) q.name += '.';
      q.name.append(reinterpret_cast<const char*>(p + i), length);
      i += length;
    }
    if (i + 4 > n) return std::nullopt;
    q.type = static_cast<std::uint16_t>(p[i] << 8 | p[i + 1]);
    q.end = i + 4;
    q.name = lower(std::move(q.name));
    return q;
  }

  static void put16(std::string& out, std::uint32_t value) {
    out += static_cast<char>((value >> 8) & 0xff);
    out += static_cast<char>(value & 0xff);
  }

  // The reply to `q`, or nullopt to stay silent. Counts the question.
  std::optional<std::string> reply_to(const std::uint8_t* p, const Question& q) {
    std::lock_guard lock(mutex_);
    ++queries_[q.name];
    if (silent_.count(q.name) != 0) return std::nullopt;
    std::uint8_t rcode = kNoError;
    std::vector<boost::asio::ip::address> matching;
    std::uint32_t ttl = 0;
    if (failing_.count(q.name) != 0) {
      rcode = kServFail;
    } else if (auto it = entries_.find(q.name); it == entries_.end()) {
      rcode = kNxDomain;
    } else {
      ttl = it->second.ttl;
      for (const auto& address : it->second.addresses) {
        if ((q.type == kTypeA && address.is_v4()) || (q.type == kTypeAaaa && address.is_v6())) {
          matching.push_back(address);
        }
      }
    }
    std::string out(reinterpret_cast<const char*>(p), 2);           // id
    out += static_cast<char>(0x80 | 0x04 | (p[2] & 0x79));          // QR, AA, opcode, RD
    out += static_cast<char>(0x80 | rcode);                         // RA, rcode
    put16(out, 1);                                                  // QDCOUNT
    put16(out, static_cast<std::uint32_t>(matching.size()));        // ANCOUNT
    put16(out, 0);                                                  // NSCOUNT
    put16(out, 0);                                                  // ARCOUNT
    out.append(reinterpret_cast<const char*>(p + 12), q.end - 12);  // the question
    for (const auto& address : matching) {
      put16(out, 0xc00c);  // the name: a pointer to the question's
      put16(out, q.type);
      put16(out, 1);  // class IN
      put16(out, ttl >> 16);
      put16(out, ttl & 0xffff);
      if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        put16(out, static_cast<std::uint32_t>(bytes.size()));
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      } else {
        auto bytes = address.to_v6().to_bytes();
        put16(out, static_cast<std::uint32_t>(bytes.size()));
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      }
    }
    return out;
  }

  void receive() {
    socket_.async_receive_from(
        boost::asio::buffer(buffer_), sender_, [this](boost::system::error_code ec, std::size_t n) {
          if (ec == boost::asio::error::operation_aborted) return;  // closed: `this` may be gone
          if (!ec) {
            if (auto q = parse_question(buffer_.data(), n)) {
              if (auto reply = reply_to(buffer_.data(), *q)) {
                boost::system::error_code ignored;  // loopback UDP: a send does not block
                socket_.send_to(boost::asio::buffer(*reply), sender_, 0, ignored);
              }
            }
          }
          receive();
        });
  }

  boost::asio::ip::udp::socket socket_;
  std::array<std::uint8_t, 4096> buffer_{};
  boost::asio::ip::udp::endpoint sender_;

  mutable std::mutex mutex_;  // guards the tables and the counters below
  std::map<std::string, Entry> entries_;
  std::set<std::string> failing_;
  std::set<std::string> silent_;
  std::map<std::string, std::size_t> queries_;
};

}  // namespace sluice::testing
