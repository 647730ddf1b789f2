#pragma once
// The two QueueStore implementations behind one face, so contract tests run against both: the
// LMDB store (in a fresh temporary directory) and the in-memory fake the scheduler and admin
// tests rely on, which must behave the same.

#include <gtest/gtest.h>

#include <memory>

#include "memory_queue_store.h"
#include "queue_test_support.h"

namespace sluice::queue::testing {

struct LmdbHarness {
  TempDir dir;
  std::unique_ptr<LmdbQueueStore> lmdb = open_store(dir.path());
  QueueStore& store() { return *lmdb; }
};

struct MemoryHarness {
  sluice::testing::MemoryQueueStore memory;
  QueueStore& store() { return memory; }
};

using BothStores = ::testing::Types<LmdbHarness, MemoryHarness>;

class StoreNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, LmdbHarness> ? "Lmdb" : "Memory";
  }
};

}  // namespace sluice::queue::testing
