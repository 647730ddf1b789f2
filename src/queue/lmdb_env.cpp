#include "lmdb_env.h"

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace sluice::queue {

Error lmdb_error(int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
      return make_error(std::move(message), ErrorCode::no_space);
    case MDB_NOTFOUND:
      return make_error(std::move(message), ErrorCode::not_found);
    default:
      return make_error(std::move(message));
  }
}

Result<LmdbEnv> LmdbEnv::open(const std::string& directory, std::uint64_t map_size,
                              unsigned max_dbs) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return make_error("cannot create " + directory + ": " + ec.message());

  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != 0) return lmdb_error(rc, "mdb_env_create");
  LmdbEnv env(raw);
  if (int rc = mdb_env_set_maxdbs(raw, max_dbs); rc != 0) {
    return lmdb_error(rc, "mdb_env_set_maxdbs");
  }
  // Each live read transaction takes a slot; thread pools may hold many at once.
  if (int rc = mdb_env_set_maxreaders(raw, 256); rc != 0) {
    return lmdb_error(rc, "mdb_env_set_maxreaders");
  }
  // No MDB_NOSYNC/MDB_NOMETASYNC: a commit returns only after fsync. No MDB_WRITEMAP: a full
  // disk must come back as ENOSPC from commit, not as SIGBUS on a store into the map.
  if (int rc = mdb_env_open(raw, directory.c_str(), MDB_NOTLS, 0600); rc != 0) {
    return lmdb_error(rc, "cannot open the queue environment in " + directory);
  }
  // Readers left behind by a killed process would pin old pages forever.
  int dead = 0;
  if (int rc = mdb_reader_check(raw, &dead); rc != 0) return lmdb_error(rc, "mdb_reader_check");

  // No size was set before open, so LMDB took the one recorded in the file (or its default for
  // a new file): keep whichever is bigger.
  auto current = env.info();
  if (!current) return current.error();
  if (current->me_mapsize < map_size) {
    if (auto grown = env.set_map_size(map_size); !grown) return grown.error();
  }
  return env;
}

LmdbEnv::~LmdbEnv() {
  if (env_) mdb_env_close(env_);
}

Result<MDB_envinfo> LmdbEnv::info() const {
  MDB_envinfo info{};
  if (int rc = mdb_env_info(env_, &info); rc != 0) return lmdb_error(rc, "mdb_env_info");
  return info;
}

Result<unsigned> LmdbEnv::page_size() const {
  MDB_stat stat{};
  if (int rc = mdb_env_stat(env_, &stat); rc != 0) return lmdb_error(rc, "mdb_env_stat");
  return stat.ms_psize;
}

Result<void> LmdbEnv::set_map_size(std::uint64_t bytes) {
  if (int rc = mdb_env_set_mapsize(env_, bytes); rc != 0) {
    return lmdb_error(rc, "mdb_env_set_mapsize");
  }
  return {};
}

Result<LmdbTxn> LmdbTxn::begin(MDB_env* env, unsigned flags, int* rc_out) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, flags, &txn);
  if (rc_out) *rc_out = rc;
  if (rc != 0) return lmdb_error(rc, "mdb_txn_begin");
  return LmdbTxn(txn);
}

Error LmdbTxn::fail(int rc, std::string_view what) {
  if (fatal_ == 0) fatal_ = rc;
  return lmdb_error(rc, what);
}

Result<MDB_dbi> LmdbTxn::open_dbi(const char* name, unsigned flags) {
  MDB_dbi dbi = 0;
  if (int rc = mdb_dbi_open(txn_, name, flags, &dbi); rc != 0) {
    return fail(rc, std::string("mdb_dbi_open ") + name);
  }
  return dbi;
}

Result<std::optional<std::string_view>> LmdbTxn::get(MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return fail(rc, "mdb_get");
  return std::optional<std::string_view>(to_view(v));
}

Result<void> LmdbTxn::put(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  if (int rc = mdb_put(txn_, dbi, &k, &v, 0); rc != 0) return fail(rc, "mdb_put");
  return {};
}

Result<char*> LmdbTxn::reserve(MDB_dbi dbi, std::string_view key, std::size_t size) {
  MDB_val k = to_val(key);
  MDB_val v{size, nullptr};
  if (int rc = mdb_put(txn_, dbi, &k, &v, MDB_RESERVE); rc != 0) return fail(rc, "mdb_put");
  return static_cast<char*>(v.mv_data);
}

Result<bool> LmdbTxn::del(MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return fail(rc, "mdb_del");
  return true;
}

Result<MDB_stat> LmdbTxn::stat(MDB_dbi dbi) {
  MDB_stat stat{};
  if (int rc = mdb_stat(txn_, dbi, &stat); rc != 0) return fail(rc, "mdb_stat");
  return stat;
}

Result<void> LmdbTxn::commit() {
  MDB_txn* txn = std::exchange(txn_, nullptr);
  if (int rc = mdb_txn_commit(txn); rc != 0) return fail(rc, "mdb_txn_commit");
  return {};
}

void LmdbTxn::abort() {
  if (txn_) mdb_txn_abort(std::exchange(txn_, nullptr));
}

Result<LmdbCursor> LmdbCursor::open(LmdbTxn& txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), dbi, &cursor); rc != 0) {
    return txn.fail(rc, "mdb_cursor_open");
  }
  return LmdbCursor(txn, cursor);
}

LmdbCursor::~LmdbCursor() {
  if (cursor_) mdb_cursor_close(cursor_);
}

Result<std::optional<LmdbCursor::Entry>> LmdbCursor::move(MDB_cursor_op op, std::string_view key) {
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_cursor_get(cursor_, &k, &v, op);
  if (rc == MDB_NOTFOUND) return std::optional<Entry>();
  if (rc != 0) return txn_->fail(rc, "mdb_cursor_get");
  return std::optional<Entry>(Entry{to_view(k), to_view(v)});
}

}  // namespace sluice::queue
