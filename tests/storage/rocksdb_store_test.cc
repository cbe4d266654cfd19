#include "storage/rocksdb_store.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "storage/token_secret.h"
#include "tests/lib/temp_dir.h"

namespace shammie::storage {
namespace {

class RocksDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    RocksDbStoreOptions options;
    options.path = dir_.Sub("db");
    auto store = RocksDbStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  v1::LabelingTask NewTask(const std::string& prompt, uint32_t overlap = 1) {
    v1::LabelingTask task;
    auto* turn = task.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text(prompt);
    task.mutable_response_a()->set_text("answer A to " + prompt);
    task.mutable_response_b()->set_text("answer B to " + prompt);
    task.set_labels_wanted(overlap);
    auto created = store_->CreateTask(task);
    EXPECT_TRUE(created.ok()) << created.status();
    return *created;
  }

  absl::StatusOr<v1::Comparison> Label(const std::string& task_id, const std::string& labeler,
                                       const std::string& request_id = "", int preference = 2) {
    v1::Comparison c;
    c.set_task_id(task_id);
    c.set_labeler(labeler);
    c.set_preference(preference);
    c.set_source(v1::SOURCE_HUMAN);
    c.mutable_created_at()->set_seconds(1'795'000'000);  // 2026-11-18
    c.set_client_request_id(request_id);
    return store_->AddComparison(c);
  }

  std::vector<v1::Comparison> ExportAll(uint64_t after = 0, uint64_t up_to = 0) {
    std::vector<v1::Comparison> out;
    EXPECT_TRUE(store_->ExportComparisons(after, up_to, [&](const v1::Comparison& c) {
      out.push_back(c);
      return true;
    }).ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksDbStore> store_;
};

TEST_F(RocksDbStoreTest, CreateTaskAssignsIdsAndNextTaskGivesOldestFirst) {
  v1::LabelingTask first = NewTask("first");
  v1::LabelingTask second = NewTask("second");
  EXPECT_EQ(first.id().size(), 18u);
  EXPECT_EQ(first.id().substr(0, 2), "t-");
  EXPECT_NE(first.id(), second.id());
  auto got = store_->GetTask(first.id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->context().turns(0).text(), "first");
  auto next = store_->NextTask("ann");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->id(), first.id());
  EXPECT_EQ(store_->GetTask("t-0000000000000000").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RocksDbStoreTest, ComparisonsCopyTheTaskAndGetIncreasingSeqs) {
  v1::LabelingTask a = NewTask("a", 5);
  auto c1 = Label(a.id(), "ann");
  auto c2 = Label(a.id(), "bob");
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(c1->seq(), 1u);
  EXPECT_EQ(c2->seq(), 2u);
  EXPECT_EQ(c1->id().substr(0, 2), "c-");
  EXPECT_EQ(c1->response_a().text(), "answer A to a");
  EXPECT_EQ(c1->context().turns(0).text(), "a");
  EXPECT_EQ(store_->GetTask(a.id())->labels_received(), 2u);
}

TEST_F(RocksDbStoreTest, UnknownTaskIsNotFoundAndStoresNothing) {
  EXPECT_EQ(Label("t-ffffffffffffffff", "ann", "r1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(ExportAll().empty());
  EXPECT_EQ(store_->GetStats("ann", "2026-11-18")->comparisons(), 0u);
  // The request id was not consumed either.
  v1::LabelingTask t = NewTask("x");
  auto c = Label(t.id(), "ann", "r1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->task_id(), t.id());
}

TEST_F(RocksDbStoreTest, RetryWithTheSameRequestIdReturnsTheFirstComparison) {
  v1::LabelingTask t = NewTask("x", 3);
  auto first = Label(t.id(), "ann", "req-1", 2);
  auto retry = Label(t.id(), "ann", "req-1", 7);  // a retry never stores a second one
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_EQ(retry->id(), first->id());
  EXPECT_EQ(retry->seq(), first->seq());
  EXPECT_EQ(retry->preference(), 2);
  // Another labeler's identical request id is a different request.
  auto other = Label(t.id(), "bob", "req-1");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->seq(), first->seq());
  EXPECT_EQ(ExportAll().size(), 2u);
}

TEST_F(RocksDbStoreTest, ConcurrentRetriesInFlightStoreOneComparison) {
  v1::LabelingTask t = NewTask("x", 100);
  constexpr int kThreads = 12;
  std::vector<std::thread> threads;
  std::vector<uint64_t> seqs(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto c = Label(t.id(), "ann", "same-key");
      seqs[i] = c.ok() ? c->seq() : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (uint64_t s : seqs) EXPECT_EQ(s, seqs[0]);
  EXPECT_EQ(ExportAll().size(), 1u);
}

TEST_F(RocksDbStoreTest, OverlapKeepsTaskOpenForOtherLabelersOnly) {
  v1::LabelingTask t = NewTask("x", 2);
  ASSERT_TRUE(Label(t.id(), "ann").ok());
  EXPECT_EQ(store_->NextTask("ann").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->NextTask("bob")->id(), t.id());
  EXPECT_EQ(store_->GetStats("", "")->open_tasks(), 1u);
  ASSERT_TRUE(Label(t.id(), "bob").ok());
  EXPECT_EQ(store_->NextTask("cat").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetStats("", "")->open_tasks(), 0u);
}

TEST_F(RocksDbStoreTest, SkippedTaskIsNotOfferedAgainToThatLabeler) {
  v1::LabelingTask t1 = NewTask("one");
  v1::LabelingTask t2 = NewTask("two");
  ASSERT_TRUE(store_->RecordSkip(t1.id(), "ann").ok());
  EXPECT_EQ(store_->NextTask("ann")->id(), t2.id());
  EXPECT_EQ(store_->NextTask("bob")->id(), t1.id());
  EXPECT_EQ(store_->RecordSkip("t-0123456789abcdef", "ann").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(ExportAll().empty());  // a skip is not a comparison
}

TEST_F(RocksDbStoreTest, ExportNeverSeesAGapWhileWritersRun) {
  // Visible order must equal seq order: an exporter that resumes from the
  // last seq it saw must never skip one that becomes visible later.
  v1::LabelingTask t = NewTask("x", 1000);
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 60; ++i) ASSERT_TRUE(Label(t.id(), "w" + std::to_string(w)).ok());
    });
  }
  uint64_t last = 0;
  std::thread exporter([&] {
    while (!done) {
      for (const v1::Comparison& c : ExportAll(last)) {
        ASSERT_EQ(c.seq(), last + 1) << "gap after seq " << last;
        last = c.seq();
      }
    }
  });
  for (auto& th : writers) th.join();
  done = true;
  exporter.join();
  for (const v1::Comparison& c : ExportAll(last)) {
    ASSERT_EQ(c.seq(), last + 1);
    last = c.seq();
  }
  EXPECT_EQ(last, 480u);
}

TEST_F(RocksDbStoreTest, ExportHonoursBoundsAndReadsOneSnapshot) {
  v1::LabelingTask t = NewTask("x", 100);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Label(t.id(), "ann").ok());
  auto mid = ExportAll(3, 6);
  ASSERT_EQ(mid.size(), 3u);
  EXPECT_EQ(mid.front().seq(), 4u);
  EXPECT_EQ(mid.back().seq(), 6u);
  // Comparisons stored while an export runs are not part of it.
  size_t seen = 0;
  ASSERT_TRUE(store_->ExportComparisons(0, 0, [&](const v1::Comparison&) {
    if (seen++ == 0) EXPECT_TRUE(Label(t.id(), "bob").ok());
    return true;
  }).ok());
  EXPECT_EQ(seen, 10u);
  EXPECT_EQ(ExportAll().size(), 11u);
  // emit returning false stops early.
  seen = 0;
  ASSERT_TRUE(store_->ExportComparisons(0, 0, [&](const v1::Comparison&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2u);
}

TEST_F(RocksDbStoreTest, ReopenKeepsComparisonsCountersTasksAndRequestIds) {
  v1::LabelingTask t = NewTask("x", 2);
  auto first = Label(t.id(), "ann", "req-1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->CreateToken("ann", v1::LABELER, "secret-1", absl::Now()).ok());
  Reopen();
  EXPECT_EQ(ExportAll().size(), 1u);
  auto stats = store_->GetStats("ann", "2026-11-18");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->comparisons(), 1u);
  EXPECT_EQ(stats->last_seq(), 1u);
  EXPECT_EQ(stats->tasks(), 1u);
  EXPECT_EQ(stats->open_tasks(), 1u);
  EXPECT_EQ(stats->mine_today(), 1u);
  EXPECT_EQ(stats->by_labeler().at("ann"), 1u);
  EXPECT_EQ(stats->by_source().at("human"), 1u);
  EXPECT_EQ(stats->by_day().at("2026-11-18"), 1u);
  EXPECT_EQ(Label(t.id(), "ann", "req-1")->seq(), first->seq());  // still idempotent
  EXPECT_EQ(Label(t.id(), "bob")->seq(), 2u);                     // seqs continue
  EXPECT_EQ(store_->LookupSecret("secret-1")->name(), "ann");
}

TEST_F(RocksDbStoreTest, SecondOpenOfTheSameDatabaseIsUnavailable) {
  RocksDbStoreOptions options;
  options.path = dir_.Sub("db");
  EXPECT_EQ(RocksDbStore::Open(options).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RocksDbStoreTest, ImportStoresNewOnesInOrderAndCountsDuplicates) {
  std::vector<v1::Comparison> cs(3);
  for (int i = 0; i < 3; ++i) {
    cs[i].set_labeler("op");
    cs[i].set_preference(1);
    cs[i].set_source(v1::SOURCE_IMPORTED);
    cs[i].set_client_request_id("line-" + std::to_string(i));
    cs[i].mutable_response_a()->set_text("a" + std::to_string(i));
  }
  cs[2].set_client_request_id("line-0");  // duplicate inside the batch
  auto r = store_->ImportComparisons(cs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->imported, 2u);
  EXPECT_EQ(r->duplicates, 1u);
  EXPECT_EQ(r->first_seq, 1u);
  EXPECT_EQ(r->last_seq, 2u);
  auto again = store_->ImportComparisons(cs);  // the same file twice
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->imported, 0u);
  EXPECT_EQ(again->duplicates, 3u);
  auto all = ExportAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].response_a().text(), "a1");
  EXPECT_EQ(store_->GetStats("", "")->by_source().at("imported"), 2u);
}

TEST_F(RocksDbStoreTest, TokensAreStoredHashedAndRevocable) {
  auto token = store_->CreateToken("ann", v1::LABELER, "shm_secret", absl::Now());
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(token->secret().empty());
  EXPECT_EQ(store_->CreateToken("ann", v1::OPERATOR, "other", absl::Now()).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto found = store_->LookupSecret("shm_secret");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->role(), v1::LABELER);
  EXPECT_EQ(store_->LookupSecret("shm_wrong").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountTokens(), 1u);
  ASSERT_TRUE(store_->RevokeToken("ann").ok());
  EXPECT_EQ(store_->LookupSecret("shm_secret").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeToken("ann").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountTokens(), 0u);
  // The secret itself never reaches the disk.
  store_.reset();
  std::string grep = "grep -r -q -a shm_secret " + dir_.Sub("db");
  EXPECT_NE(std::system(grep.c_str()), 0);
  EXPECT_EQ(HashTokenSecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2 vector
}

}  // namespace
}  // namespace shammie::storage
