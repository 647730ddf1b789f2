#pragma once
// Thin RAII wrappers over the LMDB C API (MDB_env, MDB_txn, MDB_cursor) whose calls return
// Result values. Used only by the queue store. A write transaction remembers the first LMDB error
// that poisoned it (fatal()), so the group commit can tell "map full, grow and retry" from an
// error that concerns a single operation. Threading: an LmdbTxn belongs to one thread at a time
// (the environment is opened with MDB_NOTLS, so read transactions may move between threads).

#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sluice/common/result.h"

namespace sluice::queue {

// Maps an LMDB or errno code to an Error: map full, ENOSPC and EDQUOT become no_space,
// MDB_NOTFOUND not_found, anything else failed.
Error lmdb_error(int rc, std::string_view what);

inline MDB_val to_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view to_view(const MDB_val& val) {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

class LmdbEnv {
 public:
  // Creates `directory` (with parents) if missing and opens data.mdb/lock.mdb inside it. The map
  // size is the one recorded in an existing environment, raised to `map_size` if smaller.
  static Result<LmdbEnv> open(const std::string& directory, std::uint64_t map_size,
                              unsigned max_dbs);

  LmdbEnv(LmdbEnv&& other) noexcept : env_(std::exchange(other.env_, nullptr)) {}
  LmdbEnv& operator=(LmdbEnv&&) = delete;
  LmdbEnv(const LmdbEnv&) = delete;
  ~LmdbEnv();

  MDB_env* get() const { return env_; }
  Result<MDB_envinfo> info() const;
  Result<unsigned> page_size() const;
  // Needs no transaction of this process to be active (the caller's lock ensures it).
  Result<void> set_map_size(std::uint64_t bytes);

 private:
  explicit LmdbEnv(MDB_env* env) : env_(env) {}
  MDB_env* env_;
};

class LmdbTxn {
 public:
  // flags: 0 for a write transaction, MDB_RDONLY for a read transaction. Returns the raw code
  // in `rc` too, so callers can react to MDB_MAP_RESIZED.
  static Result<LmdbTxn> begin(MDB_env* env, unsigned flags, int* rc = nullptr);

  LmdbTxn(LmdbTxn&& other) noexcept
      : txn_(std::exchange(other.txn_, nullptr)), fatal_(other.fatal_) {}
  LmdbTxn& operator=(LmdbTxn&&) = delete;
  LmdbTxn(const LmdbTxn&) = delete;
  ~LmdbTxn() { abort(); }

  MDB_txn* get() const { return txn_; }
  // The first LMDB error that left this transaction unusable (0 if none).
  int fatal() const { return fatal_; }

  Result<MDB_dbi> open_dbi(const char* name, unsigned flags);
  // The value stays valid until the transaction ends or the next write to that database.
  Result<std::optional<std::string_view>> get(MDB_dbi dbi, std::string_view key);
  Result<void> put(MDB_dbi dbi, std::string_view key, std::string_view value);
  // Reserves `size` bytes for the value and returns where to write them (MDB_RESERVE: no copy).
  Result<char*> reserve(MDB_dbi dbi, std::string_view key, std::size_t size);
  // false if the key was not there.
  Result<bool> del(MDB_dbi dbi, std::string_view key);
  Result<MDB_stat> stat(MDB_dbi dbi);

  // On failure the transaction is gone either way; the code is kept in fatal().
  Result<void> commit();
  void abort();

 private:
  friend class LmdbCursor;
  explicit LmdbTxn(MDB_txn* txn) : txn_(txn) {}
  Error fail(int rc, std::string_view what);

  MDB_txn* txn_;
  int fatal_ = 0;
};

// A cursor over one database; walks keys in byte order. Must end before its transaction.
class LmdbCursor {
 public:
  using Entry = std::pair<std::string_view, std::string_view>;

  static Result<LmdbCursor> open(LmdbTxn& txn, MDB_dbi dbi);

  LmdbCursor(LmdbCursor&& other) noexcept
      : txn_(other.txn_), cursor_(std::exchange(other.cursor_, nullptr)) {}
  LmdbCursor& operator=(LmdbCursor&&) = delete;
  LmdbCursor(const LmdbCursor&) = delete;
  ~LmdbCursor();

  Result<std::optional<Entry>> first() { return move(MDB_FIRST, {}); }
  Result<std::optional<Entry>> next() { return move(MDB_NEXT, {}); }
  // The first entry whose key is >= `key`.
  Result<std::optional<Entry>> seek(std::string_view key) { return move(MDB_SET_RANGE, key); }

 private:
  LmdbCursor(LmdbTxn& txn, MDB_cursor* cursor) : txn_(&txn), cursor_(cursor) {}
  Result<std::optional<Entry>> move(MDB_cursor_op op, std::string_view key);

  LmdbTxn* txn_;
  MDB_cursor* cursor_;
};

}  // namespace sluice::queue
