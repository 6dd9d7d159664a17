// The S3 storage engine over a real catalog in a temporary directory: buckets, staged writes and
// commits, overwrites, conditional and versioned writes, delete markers, listings, multipart
// assembly (parts become segments without a copy), crash recovery, readers that outlive an
// overwrite, and Reset.

#include "s3/object_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gureum/catalog/catalog.h"
#include "gureum/core/checksum.h"
#include "gureum/core/clock.h"
#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

#include <unistd.h>

namespace gureum::s3 {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view kAccount = "111122223333";

// A body that delivers some bytes and then fails, like a client that went away mid-upload.
class FailingBody final : public http::BodySource {
 public:
  explicit FailingBody(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(std::span<char> buffer) override {
    if (sent_) return Fail(ErrorCode::IncompleteBody, "the client went away");
    sent_ = true;
    size_t n = std::min(buffer.size(), data_.size());
    std::copy_n(data_.data(), n, buffer.data());
    return n;
  }

 private:
  std::string data_;
  bool sent_ = false;
};

// "Code" of a failed result, or "ok".
template <class R>
std::string CodeOf(const R& result) {
  return result ? std::string("ok") : result.error().code();
}

// Reads a producer to its end with reads of at most `step` bytes.
std::string Drain(http::BodyProducer& producer, size_t step = 7) {
  std::string out, buffer(step, '\0');
  for (;;) {
    auto n = producer.Read(std::span(buffer.data(), buffer.size()));
    EXPECT_TRUE(n) << n.error().code() << ": " << n.error().message();
    if (!n || *n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

std::string Pattern(size_t size, char seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + i * 31 % 251);
  return out;
}

class ObjectStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gureum-object-store-test-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto opened = catalog::Catalog::Open(catalog::CatalogOptions{dir_ / "catalog.db", false});
    ASSERT_TRUE(opened) << opened.error();
    catalog_ = std::move(*opened);
    clock_.Freeze(sys_days{2025y / January / 2} + 3h + 4min + 5s + 678ms);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    catalog_.reset();
    fs::remove_all(dir_);
  }

  // A new ObjectStore over the same catalog and directory, as after a restart.
  void Reopen() {
    store_.reset();
    store_ = std::make_unique<ObjectStore>(*catalog_, root(), false, clock_);
    // Most tests follow data files; inline storage has tests of its own.
    store_->set_inline_limit(inline_limit_);
    auto opened = store_->Open();
    ASSERT_TRUE(opened) << opened.error().message();
  }

  fs::path root() const { return dir_ / "s3"; }
  fs::path DataPath(const std::string& file) const {
    return root() / "objects" / file.substr(0, 2) / file;
  }

  // Names of the files under <root>/objects (data) and <root>/tmp (staged).
  std::set<std::string> Files(const char* sub) const {
    std::set<std::string> out;
    if (!fs::exists(root() / sub)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root() / sub)) {
      if (e.is_regular_file()) out.insert(e.path().filename().string());
    }
    return out;
  }
  std::set<std::string> DataFiles() const { return Files("objects"); }
  std::set<std::string> TempFiles() const { return Files("tmp"); }

  Bucket MakeBucket(std::string name, std::string versioning = "") {
    Bucket b;
    b.name = std::move(name);
    b.account_id = std::string(kAccount);
    b.region = "ap-northeast-2";
    b.versioning = std::move(versioning);
    auto created = store_->CreateBucket(b);
    EXPECT_TRUE(created) << CodeOf(created);
    return created ? *created : b;
  }

  Staged StageData(std::string_view data, std::vector<ChecksumAlgorithm> checksums = {}) {
    http::StringBodySource body(data);
    auto staged = store_->Stage(body, checksums, UINT64_MAX);
    EXPECT_TRUE(staged) << CodeOf(staged);
    return staged ? *staged : Staged{};
  }

  Result<ObjectRecord> Put(const Bucket& bucket, std::string_view key, std::string_view data,
                           const WriteConditions& conditions = {}) {
    Staged staged = StageData(data);
    ObjectRecord record;
    record.etag = HexEncode(staged.md5);
    record.meta["ContentType"] = "text/plain";
    return store_->CommitObject(bucket, key, std::move(staged), std::move(record), conditions);
  }

  // The current bytes of an object (latest or a version), or the error code.
  std::string Content(std::string_view bucket, std::string_view key,
                      std::optional<std::string_view> version = std::nullopt) {
    auto record = store_->GetObject(bucket, key, version);
    if (!record) return record.error().code();
    if (record->delete_marker) return "<delete marker>";
    auto data = store_->Read(*record, 0, record->size);
    if (!data) return data.error().code();
    return *data;
  }

  std::vector<std::string> Keys(std::string_view bucket, const ListQuery& q) {
    auto listed = store_->List(bucket, q);
    EXPECT_TRUE(listed) << CodeOf(listed);
    std::vector<std::string> out;
    if (listed) {
      for (const auto& o : listed->objects) out.push_back(o.key);
    }
    return out;
  }

  // Every entry of a listing, page by page ("P:" marks common prefixes), following next_marker
  // as ListObjects' marker / ListObjectsV2's continuation token do.
  std::vector<std::string> ListAll(std::string_view bucket, ListQuery q, int* pages = nullptr) {
    std::vector<std::string> out;
    for (int page = 1; page <= 10000; ++page) {
      auto listed = store_->List(bucket, q);
      EXPECT_TRUE(listed) << CodeOf(listed);
      if (!listed) break;
      // Entries in one page come in order, objects and prefixes interleaved by name.
      std::vector<std::string> entries;
      for (const auto& o : listed->objects) entries.push_back(o.key);
      for (const auto& p : listed->common_prefixes) entries.push_back("P:" + p);
      std::sort(entries.begin(), entries.end(), [](const std::string& a, const std::string& b) {
        return (StartsWith(a, "P:") ? a.substr(2) : a) < (StartsWith(b, "P:") ? b.substr(2) : b);
      });
      EXPECT_LE(static_cast<int>(entries.size()), q.max_keys);
      out.insert(out.end(), entries.begin(), entries.end());
      if (!listed->truncated) {
        if (pages != nullptr) *pages = page;
        return out;
      }
      EXPECT_FALSE(listed->next_marker.empty());
      EXPECT_GT(listed->next_marker, q.start_after) << "the listing does not advance";
      if (listed->next_marker <= q.start_after) break;
      q.start_after = listed->next_marker;
    }
    ADD_FAILURE() << "the listing never ended";
    return out;
  }

  // Every version of a versioned listing, as "key@version" ("key@DM:version" for delete
  // markers), following the key and version-id markers page by page.
  std::vector<std::string> ListAllVersions(std::string_view bucket, VersionListQuery q) {
    std::vector<std::string> out;
    for (int page = 0; page < 10000; ++page) {
      auto listed = store_->ListVersions(bucket, q);
      EXPECT_TRUE(listed) << CodeOf(listed);
      if (!listed) break;
      EXPECT_LE(static_cast<int>(listed->versions.size() + listed->common_prefixes.size()),
                q.max_keys);
      for (const auto& v : listed->versions) {
        out.push_back(v.key + "@" + (v.delete_marker ? "DM:" : "") + v.version_id);
      }
      for (const auto& p : listed->common_prefixes) out.push_back("P:" + p);
      if (!listed->truncated) return out;
      q.key_marker = listed->next_key_marker;
      q.version_id_marker = listed->next_version_id_marker;
    }
    ADD_FAILURE() << "the version listing never ended";
    return out;
  }

  fs::path dir_;
  uint64_t inline_limit_ = 0;
  Clock clock_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<ObjectStore> store_;
};

// ---- Buckets ----

TEST_F(ObjectStoreTest, CreateGetListAndDeleteBuckets) {
  Bucket b = MakeBucket("photos");
  EXPECT_EQ(b.created, clock_.Now());
  MakeBucket("archive");
  Bucket other;
  other.name = "elsewhere";
  other.account_id = "444455556666";
  other.region = "us-east-1";
  ASSERT_TRUE(store_->CreateBucket(other));

  auto got = store_->GetBucket("photos");
  ASSERT_TRUE(got) << CodeOf(got);
  EXPECT_EQ(got->name, "photos");
  EXPECT_EQ(got->account_id, kAccount);
  EXPECT_EQ(got->region, "ap-northeast-2");
  EXPECT_EQ(got->created, clock_.Now());
  EXPECT_EQ(got->versioning, "");

  auto mine = store_->ListBuckets(kAccount);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].name, "archive");  // by name
  EXPECT_EQ((*mine)[1].name, "photos");

  ASSERT_TRUE(store_->DeleteBucket("archive"));
  EXPECT_EQ(CodeOf(store_->GetBucket("archive")), "NoSuchBucket");
  EXPECT_EQ(store_->GetBucket("archive").error().http_status(), 404);
  EXPECT_EQ(CodeOf(store_->DeleteBucket("archive")), "NoSuchBucket");
  EXPECT_EQ(store_->ListBuckets(kAccount)->size(), 1u);
  EXPECT_EQ(store_->ListBuckets("444455556666")->size(), 1u);
}

TEST_F(ObjectStoreTest, CreatingAnExistingBucket) {
  Bucket b = MakeBucket("taken");
  auto again = store_->CreateBucket(b);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), "BucketAlreadyOwnedByYou");
  EXPECT_EQ(again.error().http_status(), 409);
  Bucket theirs = b;
  theirs.account_id = "444455556666";
  auto stolen = store_->CreateBucket(theirs);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code(), "BucketAlreadyExists");
  EXPECT_EQ(stolen.error().http_status(), 409);
  EXPECT_EQ(store_->GetBucket("taken")->account_id, kAccount);
}

TEST_F(ObjectStoreTest, DeleteBucketRefusesObjectsVersionsAndMarkers) {
  Bucket b = MakeBucket("full");
  ASSERT_TRUE(Put(b, "k", "v"));
  EXPECT_EQ(CodeOf(store_->DeleteBucket("full")), "BucketNotEmpty");
  EXPECT_EQ(store_->DeleteBucket("full").error().http_status(), 409);

  Bucket v = MakeBucket("versioned", "Enabled");
  ASSERT_TRUE(Put(v, "k", "v"));
  ASSERT_TRUE(store_->DeleteObject(v, "k", std::nullopt));  // leaves a version and a marker
  EXPECT_EQ(CodeOf(store_->DeleteBucket("versioned")), "BucketNotEmpty");
}

TEST_F(ObjectStoreTest, DeleteBucketTakesItsUploadsAndConfigsAlong) {
  Bucket b = MakeBucket("scratch");
  ASSERT_TRUE(store_->PutConfig("scratch", "tagging", "<Tagging/>"));
  auto upload = store_->CreateUpload(b, "big", json::object());
  ASSERT_TRUE(upload);
  ASSERT_TRUE(store_->CommitPart(*upload, 1, StageData("part one"), nullptr));
  EXPECT_EQ(DataFiles().size(), 1u);

  ASSERT_TRUE(store_->DeleteBucket("scratch"));
  EXPECT_TRUE(DataFiles().empty());
  EXPECT_EQ(CodeOf(store_->GetUpload("scratch", "big", upload->upload_id)), "NoSuchUpload");
  // A bucket created again under the name starts with no configuration.
  MakeBucket("scratch");
  auto config = store_->GetConfig("scratch", "tagging");
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->has_value());
}

TEST_F(ObjectStoreTest, VersioningAndConfigs) {
  MakeBucket("cfg");
  ASSERT_TRUE(store_->SetVersioning("cfg", "Enabled"));
  EXPECT_EQ(store_->GetBucket("cfg")->versioning, "Enabled");
  ASSERT_TRUE(store_->SetVersioning("cfg", "Suspended"));
  EXPECT_EQ(store_->GetBucket("cfg")->versioning, "Suspended");
  EXPECT_EQ(CodeOf(store_->SetVersioning("missing", "Enabled")), "NoSuchBucket");

  EXPECT_FALSE(store_->GetConfig("cfg", "cors")->has_value());
  ASSERT_TRUE(store_->PutConfig("cfg", "cors", "one"));
  ASSERT_TRUE(store_->PutConfig("cfg", "cors", "two"));
  EXPECT_EQ(**store_->GetConfig("cfg", "cors"), "two");
  ASSERT_TRUE(store_->DeleteConfig("cfg", "cors"));
  EXPECT_FALSE(store_->GetConfig("cfg", "cors")->has_value());
  EXPECT_EQ(CodeOf(store_->PutConfig("missing", "cors", "x")), "NoSuchBucket");
}

// ---- Staging and committing ----

TEST_F(ObjectStoreTest, StageAndCommit) {
  Bucket b = MakeBucket("bucket");
  std::string data = Pattern(3 * 1024 * 1024 + 17, 'a');  // several I/O chunks
  http::StringBodySource body(data);
  auto staged =
      store_->Stage(body, {ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Sha256}, UINT64_MAX);
  ASSERT_TRUE(staged) << CodeOf(staged);
  EXPECT_EQ(staged->size, data.size());
  EXPECT_EQ(staged->md5, Md5(data));
  EXPECT_EQ(Base64Encode(staged->checksums[ChecksumAlgorithm::Crc32]),
            ChecksumBase64(ChecksumAlgorithm::Crc32, data));
  EXPECT_EQ(Base64Encode(staged->checksums[ChecksumAlgorithm::Sha256]),
            ChecksumBase64(ChecksumAlgorithm::Sha256, data));
  EXPECT_EQ(TempFiles(), std::set<std::string>{staged->file});
  // Staged bytes are not visible.
  EXPECT_EQ(Content("bucket", "dir/key"), "NoSuchKey");

  ObjectRecord record;
  record.etag = HexEncode(staged->md5);
  record.meta["ContentType"] = "application/x-test";
  std::string file = staged->file;
  auto committed = store_->CommitObject(b, "dir/key", std::move(*staged), record, {});
  ASSERT_TRUE(committed) << CodeOf(committed);
  EXPECT_EQ(committed->bucket, "bucket");
  EXPECT_EQ(committed->key, "dir/key");
  EXPECT_EQ(committed->version_id, "null");
  EXPECT_TRUE(committed->latest);
  EXPECT_FALSE(committed->delete_marker);
  EXPECT_EQ(committed->size, data.size());
  EXPECT_EQ(committed->last_modified, clock_.Now());
  ASSERT_EQ(committed->segments.size(), 1u);
  EXPECT_EQ(committed->segments[0].file, file);
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_EQ(DataFiles(), std::set<std::string>{file});

  auto got = store_->GetObject("bucket", "dir/key", std::nullopt);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->etag, HexEncode(Md5(data)));
  EXPECT_EQ(got->meta["ContentType"], "application/x-test");
  EXPECT_EQ(got->last_modified, clock_.Now());
  EXPECT_EQ(Content("bucket", "dir/key"), data);
  EXPECT_EQ(*store_->Read(*got, 1000, 10), data.substr(1000, 10));
  EXPECT_EQ(CodeOf(store_->GetObject("nope", "dir/key", std::nullopt)), "NoSuchBucket");
  EXPECT_EQ(CodeOf(store_->GetObject("bucket", "dir/key", "v1")), "NoSuchVersion");
}

TEST_F(ObjectStoreTest, EmptyObject) {
  Bucket b = MakeBucket("bucket");
  auto put = Put(b, "empty", "");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->size, 0u);
  EXPECT_EQ(put->etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Content("bucket", "empty"), "");
  auto reader = store_->Open(*put, 0, 0);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Drain(*reader), "");
}

TEST_F(ObjectStoreTest, FailedStagesLeaveNothing) {
  MakeBucket("bucket");
  FailingBody failing("some bytes");
  EXPECT_EQ(CodeOf(store_->Stage(failing, {}, UINT64_MAX)), "IncompleteBody");
  std::string too_much(1001, 'x'), just_enough(1000, 'x');
  http::StringBodySource big(too_much);
  auto too_big = store_->Stage(big, {}, 1000);
  EXPECT_EQ(CodeOf(too_big), "EntityTooLarge");
  http::StringBodySource exact(just_enough);
  auto fits = store_->Stage(exact, {}, 1000);
  ASSERT_TRUE(fits);
  store_->Discard(*fits);
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_TRUE(DataFiles().empty());
}

TEST_F(ObjectStoreTest, CommitToAMissingBucketLeavesNoFile) {
  Bucket b = MakeBucket("gone");
  Staged staged = StageData("data");
  ASSERT_TRUE(store_->DeleteBucket("gone"));
  ObjectRecord record;
  record.etag = HexEncode(staged.md5);
  EXPECT_EQ(CodeOf(store_->CommitObject(b, "k", std::move(staged), record, {})), "NoSuchBucket");
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_TRUE(DataFiles().empty());
}

TEST_F(ObjectStoreTest, OverwriteRemovesTheOldFile) {
  Bucket b = MakeBucket("bucket");
  auto first = Put(b, "key", "first version");
  ASSERT_TRUE(first);
  std::string old_file = first->segments[0].file;
  clock_.Advance(1min);
  auto second = Put(b, "key", "second");
  ASSERT_TRUE(second);
  EXPECT_NE(second->segments[0].file, old_file);
  EXPECT_EQ(DataFiles(), std::set<std::string>{second->segments[0].file});
  EXPECT_FALSE(fs::exists(DataPath(old_file)));
  EXPECT_EQ(Content("bucket", "key"), "second");
  EXPECT_EQ(store_->GetObject("bucket", "key", std::nullopt)->last_modified, clock_.Now());
  // Unversioned: one "null" version only.
  auto versions = store_->ListVersions("bucket", {});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_EQ(versions->versions[0].version_id, "null");
  EXPECT_TRUE(versions->versions[0].latest);
}

TEST_F(ObjectStoreTest, ConditionalCommits) {
  Bucket b = MakeBucket("bucket");
  WriteConditions if_none_match;
  if_none_match.if_none_match = "*";
  ASSERT_TRUE(Put(b, "key", "created", if_none_match));

  auto files = DataFiles();
  auto refused = Put(b, "key", "overwritten", if_none_match);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), "PreconditionFailed");
  EXPECT_EQ(refused.error().http_status(), 412);
  EXPECT_EQ(Content("bucket", "key"), "created");
  EXPECT_EQ(DataFiles(), files);  // the refused bytes are gone
  EXPECT_TRUE(TempFiles().empty());

  std::string etag = store_->GetObject("bucket", "key", std::nullopt)->etag;
  WriteConditions if_match;
  if_match.if_match = "\"" + etag + "\"";
  ASSERT_TRUE(Put(b, "key", "matched", if_match));
  EXPECT_EQ(Content("bucket", "key"), "matched");

  // The ETag changed with that write: the old one no longer matches.
  EXPECT_EQ(CodeOf(Put(b, "key", "stale", if_match)), "PreconditionFailed");
  if_match.if_match = "\"0123\", " + HexEncode(Md5("matched"));  // a list, unquoted entry
  EXPECT_EQ(CodeOf(Put(b, "key", "listed", if_match)), "ok");
  if_match.if_match = "*";
  EXPECT_EQ(CodeOf(Put(b, "key", "any", if_match)), "ok");
  // If-Match on a missing object.
  auto missing = Put(b, "absent", "x", if_match);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), "NoSuchKey");
  EXPECT_EQ(missing.error().http_status(), 404);
  EXPECT_EQ(DataFiles().size(), 1u);
}

TEST_F(ObjectStoreTest, IfNoneMatchTreatsADeleteMarkerAsNoObject) {
  Bucket b = MakeBucket("bucket", "Enabled");
  ASSERT_TRUE(Put(b, "key", "v1"));
  ASSERT_TRUE(store_->DeleteObject(b, "key", std::nullopt));
  WriteConditions if_none_match;
  if_none_match.if_none_match = "*";
  EXPECT_EQ(CodeOf(Put(b, "key", "v2", if_none_match)), "ok");
  WriteConditions if_match;
  if_match.if_match = "*";
  ASSERT_TRUE(store_->DeleteObject(b, "key", std::nullopt));
  EXPECT_EQ(CodeOf(Put(b, "key", "v3", if_match)), "NoSuchKey");
}

TEST_F(ObjectStoreTest, UpdateMeta) {
  Bucket b = MakeBucket("bucket");
  auto put = Put(b, "key", "data");
  ASSERT_TRUE(put);
  json meta = put->meta;
  meta["Tags"] = json::array({json{{"Key", "k"}, {"Value", "v"}}});
  ASSERT_TRUE(store_->UpdateMeta(*put, meta));
  auto got = store_->GetObject("bucket", "key", std::nullopt);
  EXPECT_EQ(got->meta["Tags"][0]["Value"], "v");
  EXPECT_EQ(got->etag, put->etag);
  ObjectRecord ghost = *put;
  ghost.version_id = "nope";
  EXPECT_EQ(CodeOf(store_->UpdateMeta(ghost, meta)), "NoSuchVersion");
}

// ---- Versions and delete markers ----

TEST_F(ObjectStoreTest, UnversionedDelete) {
  Bucket b = MakeBucket("bucket");
  ASSERT_TRUE(Put(b, "key", "data"));
  auto deleted = store_->DeleteObject(b, "key", std::nullopt);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->delete_marker);
  EXPECT_EQ(Content("bucket", "key"), "NoSuchKey");
  EXPECT_TRUE(DataFiles().empty());
  // Deleting what is not there succeeds (S3 answers 204).
  EXPECT_TRUE(store_->DeleteObject(b, "key", std::nullopt));
  EXPECT_TRUE(store_->DeleteObject(b, "never", std::nullopt));
  Bucket gone = b;
  gone.name = "nope";
  EXPECT_EQ(CodeOf(store_->DeleteObject(gone, "key", std::nullopt)), "NoSuchBucket");
}

TEST_F(ObjectStoreTest, VersionedWritesAndDeleteMarkers) {
  Bucket b = MakeBucket("bucket", "Enabled");
  auto v1 = Put(b, "key", "one");
  auto v2 = Put(b, "key", "two");
  ASSERT_TRUE(v1 && v2);
  EXPECT_EQ(v1->version_id.size(), 32u);
  EXPECT_NE(v1->version_id, v2->version_id);
  EXPECT_NE(v1->version_id, "null");
  EXPECT_EQ(DataFiles().size(), 2u);  // both versions keep their bytes
  EXPECT_EQ(Content("bucket", "key"), "two");
  EXPECT_EQ(Content("bucket", "key", v1->version_id), "one");
  EXPECT_FALSE(store_->GetObject("bucket", "key", v1->version_id)->latest);

  auto marker = store_->DeleteObject(b, "key", std::nullopt);
  ASSERT_TRUE(marker);
  EXPECT_TRUE(marker->delete_marker);
  EXPECT_EQ(marker->version_id.size(), 32u);
  EXPECT_EQ(Content("bucket", "key"), "<delete marker>");
  EXPECT_EQ(Content("bucket", "key", v2->version_id), "two");
  EXPECT_EQ(DataFiles().size(), 2u);
  EXPECT_TRUE(Keys("bucket", {}).empty());  // a deleted key is not listed

  auto versions = store_->ListVersions("bucket", {});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->versions.size(), 3u);
  EXPECT_EQ(versions->versions[0].version_id, marker->version_id);
  EXPECT_TRUE(versions->versions[0].delete_marker);
  EXPECT_TRUE(versions->versions[0].latest);
  EXPECT_EQ(versions->versions[1].version_id, v2->version_id);
  EXPECT_FALSE(versions->versions[1].latest);
  EXPECT_EQ(versions->versions[2].version_id, v1->version_id);

  // Removing the marker by version id brings v2 back.
  auto unmarked = store_->DeleteObject(b, "key", marker->version_id);
  ASSERT_TRUE(unmarked);
  EXPECT_TRUE(unmarked->delete_marker);
  EXPECT_EQ(unmarked->version_id, marker->version_id);
  EXPECT_EQ(Content("bucket", "key"), "two");
  EXPECT_TRUE(store_->GetObject("bucket", "key", std::nullopt)->latest);
  EXPECT_EQ(Keys("bucket", {}), std::vector<std::string>{"key"});

  // Removing the current version promotes the previous one and frees its file.
  std::string v2_file = v2->segments[0].file;
  auto removed = store_->DeleteObject(b, "key", v2->version_id);
  ASSERT_TRUE(removed);
  EXPECT_FALSE(removed->delete_marker);
  EXPECT_EQ(Content("bucket", "key"), "one");
  EXPECT_TRUE(store_->GetObject("bucket", "key", std::nullopt)->latest);
  EXPECT_FALSE(fs::exists(DataPath(v2_file)));
  EXPECT_EQ(DataFiles(), std::set<std::string>{v1->segments[0].file});

  // A version that is not there: nothing changes.
  auto absent = store_->DeleteObject(b, "key", std::string_view("no-such-version"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->delete_marker);
  EXPECT_EQ(Content("bucket", "key"), "one");

  // Removing the last version leaves no object at all.
  ASSERT_TRUE(store_->DeleteObject(b, "key", v1->version_id));
  EXPECT_EQ(Content("bucket", "key"), "NoSuchKey");
  EXPECT_TRUE(store_->ListVersions("bucket", {})->versions.empty());
  EXPECT_TRUE(DataFiles().empty());
}

TEST_F(ObjectStoreTest, DeletingAnOldVersionKeepsTheCurrentOne) {
  Bucket b = MakeBucket("bucket", "Enabled");
  auto v1 = Put(b, "key", "one");
  auto v2 = Put(b, "key", "two");
  auto v3 = Put(b, "key", "three");
  ASSERT_TRUE(v1 && v2 && v3);
  ASSERT_TRUE(store_->DeleteObject(b, "key", v2->version_id));
  EXPECT_EQ(Content("bucket", "key"), "three");
  EXPECT_EQ(Content("bucket", "key", v2->version_id), "NoSuchVersion");
  auto versions = store_->ListVersions("bucket", {});
  ASSERT_EQ(versions->versions.size(), 2u);
  EXPECT_TRUE(versions->versions[0].latest);
  EXPECT_FALSE(versions->versions[1].latest);
  EXPECT_EQ(DataFiles(), (std::set<std::string>{v1->segments[0].file, v3->segments[0].file}));
}

TEST_F(ObjectStoreTest, SuspendedVersioningReplacesOnlyTheNullVersion) {
  Bucket b = MakeBucket("bucket");
  auto null1 = Put(b, "key", "before versioning");
  ASSERT_TRUE(null1);
  ASSERT_TRUE(store_->SetVersioning("bucket", "Enabled"));
  b.versioning = "Enabled";
  auto v1 = Put(b, "key", "versioned");
  ASSERT_TRUE(v1);
  EXPECT_EQ(Content("bucket", "key", "null"), "before versioning");

  ASSERT_TRUE(store_->SetVersioning("bucket", "Suspended"));
  b.versioning = "Suspended";
  auto null2 = Put(b, "key", "suspended write");
  ASSERT_TRUE(null2);
  EXPECT_EQ(null2->version_id, "null");
  EXPECT_EQ(Content("bucket", "key"), "suspended write");
  EXPECT_EQ(Content("bucket", "key", v1->version_id), "versioned");
  EXPECT_FALSE(fs::exists(DataPath(null1->segments[0].file)));  // the old null version's

  // A delete while suspended: a "null" delete marker replaces the null version.
  auto marker = store_->DeleteObject(b, "key", std::nullopt);
  ASSERT_TRUE(marker);
  EXPECT_TRUE(marker->delete_marker);
  EXPECT_EQ(marker->version_id, "null");
  EXPECT_FALSE(fs::exists(DataPath(null2->segments[0].file)));
  EXPECT_EQ(DataFiles(), std::set<std::string>{v1->segments[0].file});
  auto versions = store_->ListVersions("bucket", {});
  ASSERT_EQ(versions->versions.size(), 2u);
  EXPECT_TRUE(versions->versions[0].delete_marker);
  EXPECT_EQ(versions->versions[0].version_id, "null");
  EXPECT_EQ(versions->versions[1].version_id, v1->version_id);
}

// ---- Listing ----

class ListingTest : public ObjectStoreTest {
 protected:
  void SetUp() override {
    ObjectStoreTest::SetUp();
    bucket_ = MakeBucket("listing");
    keys_ = {"a/b",
             "a/b/",
             "a/b/c",
             "a/b/c/d",
             "a/b0",
             "a/bc",
             "a/c",
             "a",
             "b",
             "é",
             "e\xcc\x81",
             "z",
             "Z",
             "~",
             "한글/파일",
             "한글/폴더/x",
             "한국",
             "日本/東京",
             "\xf0\x9f\x98\x80",
             "\xef\xbf\xa0"};
    for (int i = 0; i < 300; ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "many/%04d", i);
      keys_.push_back(name);
    }
    for (const auto& k : keys_) ASSERT_TRUE(Put(bucket_, k, k)) << k;
    std::sort(keys_.begin(), keys_.end());  // std::string orders bytes as unsigned: UTF-8 order
  }

  std::vector<std::string> KeysWithPrefix(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const auto& k : keys_) {
      if (StartsWith(k, prefix)) out.push_back(k);
    }
    return out;
  }

  Bucket bucket_;
  std::vector<std::string> keys_;
};

TEST_F(ListingTest, EverythingInByteOrderInOnePage) {
  ListQuery q;
  auto listed = store_->List("listing", q);
  ASSERT_TRUE(listed);
  EXPECT_FALSE(listed->truncated);
  std::vector<std::string> got;
  for (const auto& o : listed->objects) got.push_back(o.key);
  EXPECT_EQ(got, keys_);
  for (const auto& o : listed->objects) EXPECT_EQ(o.size, o.key.size()) << o.key;
}

TEST_F(ListingTest, PagesFollowTheMarker) {
  for (int max_keys : {13, 100, 256, 257, 319, 320}) {
    ListQuery q;
    q.max_keys = max_keys;
    int pages = 0;
    EXPECT_EQ(ListAll("listing", q, &pages), keys_) << max_keys;
    EXPECT_EQ(pages, (static_cast<int>(keys_.size()) + max_keys - 1) / max_keys) << max_keys;
  }
}

TEST_F(ListingTest, TruncatedOnlyWhenMoreFollow) {
  ListQuery q;
  q.prefix = "a/b/";
  q.max_keys = 3;  // exactly the keys under the prefix
  auto listed = store_->List("listing", q);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->objects.size(), 3u);
  EXPECT_FALSE(listed->truncated);
  q.max_keys = 2;
  listed = store_->List("listing", q);
  EXPECT_TRUE(listed->truncated);
  EXPECT_EQ(listed->next_marker, "a/b/c");
}

TEST_F(ListingTest, Prefixes) {
  for (std::string prefix :
       {"a", "a/", "a/b", "a/b/", "many/01", "한", "한글/", "日本/", "e", "\xf0\x9f", "nothing"}) {
    ListQuery q;
    q.prefix = prefix;
    EXPECT_EQ(Keys("listing", q), KeysWithPrefix(prefix)) << prefix;
    q.max_keys = 2;
    EXPECT_EQ(ListAll("listing", q), KeysWithPrefix(prefix)) << prefix;
  }
}

TEST_F(ListingTest, DelimiterFoldsCommonPrefixes) {
  ListQuery q;
  q.delimiter = "/";
  // Top-level keys and the prefixes of the others, in byte order.
  std::vector<std::string> expected = {"P:a/",
                                       "a",
                                       "b",
                                       "P:many/",
                                       "Z",
                                       "z",
                                       "~",
                                       "e\xcc\x81",
                                       "é",
                                       "P:한글/",
                                       "한국",
                                       "P:日本/",
                                       "\xef\xbf\xa0",
                                       "\xf0\x9f\x98\x80"};
  std::sort(expected.begin(), expected.end(), [](const std::string& x, const std::string& y) {
    return (StartsWith(x, "P:") ? x.substr(2) : x) < (StartsWith(y, "P:") ? y.substr(2) : y);
  });
  for (int max_keys : {1, 2, 3, 1000}) {
    q.max_keys = max_keys;
    EXPECT_EQ(ListAll("listing", q), expected) << max_keys;
  }
}

TEST_F(ListingTest, DelimiterUnderAPrefix) {
  ListQuery q;
  q.prefix = "a/";
  q.delimiter = "/";
  // a/b and a/b/... share "a/b" but only the latter are folded; a/b0 sorts after the whole
  // "a/b/" run and must not be skipped with it.
  std::vector<std::string> expected = {"a/b", "P:a/b/", "a/b0", "a/bc", "a/c"};
  for (int max_keys : {1, 2, 1000}) {
    q.max_keys = max_keys;
    EXPECT_EQ(ListAll("listing", q), expected) << max_keys;
  }
  q.prefix = "a/b/";
  q.max_keys = 1000;
  EXPECT_EQ(ListAll("listing", q), (std::vector<std::string>{"a/b/", "a/b/c", "P:a/b/c/"}));
  q.prefix = "한글/";
  EXPECT_EQ(ListAll("listing", q), (std::vector<std::string>{"한글/파일", "P:한글/폴더/"}));
  // A delimiter of several characters.
  q.prefix = "";
  q.delimiter = "/c";
  auto all = ListAll("listing", q);
  EXPECT_NE(std::find(all.begin(), all.end(), "P:a/b/c"), all.end());
  EXPECT_NE(std::find(all.begin(), all.end(), "P:a/c"), all.end());
  EXPECT_EQ(std::find(all.begin(), all.end(), "a/b/c"), all.end());
}

TEST_F(ListingTest, StartAfter) {
  ListQuery q;
  q.start_after = "many/0149";
  auto keys = Keys("listing", q);
  std::vector<std::string> expected;
  for (const auto& k : keys_) {
    if (k > "many/0149") expected.push_back(k);
  }
  EXPECT_EQ(keys, expected);
  // start-after need not be a key; a common prefix as start-after skips the whole prefix.
  q.start_after = "a/b/";
  q.prefix = "a/";
  q.delimiter = "/";
  EXPECT_EQ(ListAll("listing", q), (std::vector<std::string>{"a/b0", "a/bc", "a/c"}));
  // start-after before the prefix starts at the prefix.
  q.start_after = "0";
  q.prefix = "a/b/";
  q.delimiter = "";
  EXPECT_EQ(Keys("listing", q), KeysWithPrefix("a/b/"));
  // start-after beyond everything.
  q = ListQuery{};
  q.start_after = "\xf4\x8f\xbf\xbf";
  EXPECT_TRUE(Keys("listing", q).empty());
}

TEST_F(ListingTest, OnlyCurrentVersionsAreListed) {
  ASSERT_TRUE(store_->SetVersioning("listing", "Enabled"));
  bucket_.versioning = "Enabled";
  ASSERT_TRUE(Put(bucket_, "a", "new a"));
  ASSERT_TRUE(store_->DeleteObject(bucket_, "b", std::nullopt));
  ListQuery q;
  q.prefix = "a";
  q.max_keys = 1;
  auto keys = ListAll("listing", q);
  EXPECT_EQ(keys, KeysWithPrefix("a"));  // "a" once
  q.prefix = "b";
  EXPECT_TRUE(Keys("listing", q).empty());
  ListQuery none;
  none.max_keys = 0;
  auto empty = store_->List("listing", none);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_EQ(CodeOf(store_->List("missing", {})), "NoSuchBucket");
}

TEST_F(ObjectStoreTest, ListVersionsOrderAndMarkers) {
  Bucket b = MakeBucket("bucket");
  ASSERT_TRUE(Put(b, "a", "null version"));  // before versioning: "null"
  ASSERT_TRUE(store_->SetVersioning("bucket", "Enabled"));
  b.versioning = "Enabled";
  // Every write at the same instant: order must come from the write order, not the clock.
  std::vector<std::string> a_versions = {"null"};
  for (int i = 0; i < 3; ++i)
    a_versions.push_back(Put(b, "a", "a" + std::to_string(i))->version_id);
  auto marker = store_->DeleteObject(b, "a", std::nullopt);
  a_versions.push_back("DM:" + marker->version_id);
  std::string b1 = Put(b, "b", "b")->version_id;
  std::string c1 = Put(b, "c/d", "1")->version_id;
  std::string c2 = Put(b, "c/d", "2")->version_id;
  std::string c3 = Put(b, "c/e", "3")->version_id;

  std::vector<std::string> expected;
  for (auto it = a_versions.rbegin(); it != a_versions.rend(); ++it) expected.push_back("a@" + *it);
  expected.push_back("b@" + b1);
  expected.push_back("c/d@" + c2);
  expected.push_back("c/d@" + c1);
  expected.push_back("c/e@" + c3);

  for (int max_keys : {1, 2, 3, 1000}) {
    VersionListQuery q;
    q.max_keys = max_keys;
    EXPECT_EQ(ListAllVersions("bucket", q), expected) << max_keys;
  }
  auto all = store_->ListVersions("bucket", {});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->versions[0].latest && all->versions[0].delete_marker);
  EXPECT_FALSE(all->versions[1].latest);

  // The first page ends inside "a": the markers name its last version returned.
  VersionListQuery q;
  q.max_keys = 2;
  auto page = store_->ListVersions("bucket", q);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_key_marker, "a");
  EXPECT_EQ(page->next_version_id_marker, a_versions[3]);

  // A key marker alone starts after every version of that key.
  q = VersionListQuery{};
  q.key_marker = "a";
  EXPECT_EQ(ListAllVersions("bucket", q),
            std::vector<std::string>(expected.begin() + 5, expected.end()));
  // Key and version markers resume inside the key.
  q.version_id_marker = a_versions[2];
  EXPECT_EQ(ListAllVersions("bucket", q),
            std::vector<std::string>(expected.begin() + 3, expected.end()));

  // Prefix and delimiter.
  q = VersionListQuery{};
  q.delimiter = "/";
  for (int max_keys : {1, 1000}) {
    q.max_keys = max_keys;
    auto got = ListAllVersions("bucket", q);
    // Prefixes are reported after the versions of a page; compare as sets of entries in order
    // of appearance per kind.
    std::vector<std::string> versions_only, prefixes_only;
    for (const auto& e : got) (StartsWith(e, "P:") ? prefixes_only : versions_only).push_back(e);
    EXPECT_EQ(versions_only, std::vector<std::string>(expected.begin(), expected.begin() + 6))
        << max_keys;
    EXPECT_EQ(prefixes_only, std::vector<std::string>{"P:c/"}) << max_keys;
  }
  q = VersionListQuery{};
  q.prefix = "c/";
  EXPECT_EQ(ListAllVersions("bucket", q),
            std::vector<std::string>(expected.begin() + 6, expected.end()));
  EXPECT_EQ(CodeOf(store_->ListVersions("missing", {})), "NoSuchBucket");
}

// ---- Multipart uploads ----

class MultipartTest : public ObjectStoreTest {
 protected:
  void SetUp() override {
    ObjectStoreTest::SetUp();
    store_->set_min_part_size(100);
    bucket_ = MakeBucket("bucket");
    auto upload = store_->CreateUpload(bucket_, "big/object", json{{"ContentType", "video/mp4"}});
    ASSERT_TRUE(upload) << CodeOf(upload);
    upload_ = *upload;
  }

  PartRecord Part(int number, std::string_view data) {
    auto part = store_->CommitPart(upload_, number, StageData(data), nullptr);
    EXPECT_TRUE(part) << CodeOf(part);
    return part ? *part : PartRecord{};
  }

  static CompletedPart Completed(const PartRecord& p) {
    return {p.number, "\"" + p.etag + "\"", {}};
  }

  Result<ObjectRecord> Complete(const std::vector<CompletedPart>& parts,
                                const WriteConditions& conditions = {}) {
    return store_->CompleteUpload(bucket_, upload_, parts, conditions);
  }

  Bucket bucket_;
  Upload upload_;
};

TEST_F(MultipartTest, CompleteMakesThePartsTheSegments) {
  std::string p1 = Pattern(150, 'a'), p2 = Pattern(100, 'k'), p3 = Pattern(42, 'x');
  PartRecord r1 = Part(1, p1), r2 = Part(2, p2), r3 = Part(3, p3);
  EXPECT_EQ(r1.etag, HexEncode(Md5(p1)));
  EXPECT_EQ(r1.size, 150u);
  auto parts = store_->ListParts(upload_);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].number, 2);
  EXPECT_EQ((*parts)[1].file, r2.file);
  auto before = DataFiles();
  EXPECT_EQ(before, (std::set<std::string>{r1.file, r2.file, r3.file}));
  EXPECT_EQ(CodeOf(store_->GetObject("bucket", "big/object", std::nullopt)), "NoSuchKey");

  auto object = Complete({Completed(r1), Completed(r2), Completed(r3)});
  ASSERT_TRUE(object) << CodeOf(object);
  EXPECT_EQ(object->size, 292u);
  EXPECT_EQ(object->etag, HexEncode(Md5(Md5(p1) + Md5(p2) + Md5(p3))) + "-3");
  ASSERT_EQ(object->segments.size(), 3u);
  EXPECT_EQ(object->segments[0].file, r1.file);  // no copy: the part files themselves
  EXPECT_EQ(object->segments[1].file, r2.file);
  EXPECT_EQ(object->segments[2].file, r3.file);
  EXPECT_EQ(object->segments[2].size, 42u);
  EXPECT_EQ(object->meta["ContentType"], "video/mp4");
  EXPECT_EQ(object->meta["PartSizes"],
            json::parse(R"([{"PartNumber":1,"Size":150},{"PartNumber":2,"Size":100},)"
                        R"({"PartNumber":3,"Size":42}])"));
  EXPECT_EQ(DataFiles(), before);
  EXPECT_TRUE(TempFiles().empty());

  std::string all = p1 + p2 + p3;
  EXPECT_EQ(Content("bucket", "big/object"), all);
  auto record = store_->GetObject("bucket", "big/object", std::nullopt);
  ASSERT_TRUE(record);
  EXPECT_EQ(*store_->Read(*record, 140, 120), all.substr(140, 120));  // across all three
  auto reader = store_->Open(*record, 149, 102);                      // 1 + 100 + 1 bytes
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Drain(*reader, 3), all.substr(149, 102));
  reader = store_->Open(*record, 0, all.size());
  EXPECT_EQ(Drain(*reader, 4096), all);

  EXPECT_EQ(CodeOf(store_->GetUpload("bucket", "big/object", upload_.upload_id)), "NoSuchUpload");
  EXPECT_TRUE(store_->ListUploads("bucket", "")->empty());
  // Completing again: the upload is gone.
  EXPECT_EQ(CodeOf(Complete({Completed(r1)})), "NoSuchUpload");
}

TEST_F(MultipartTest, PartsLeftOutAndReplacedPartsAreRemoved) {
  PartRecord r1 = Part(1, Pattern(100, 'a'));
  PartRecord r2 = Part(2, Pattern(100, 'b'));
  PartRecord r2b = Part(2, Pattern(120, 'c'));  // uploaded again
  EXPECT_FALSE(fs::exists(DataPath(r2.file)));
  PartRecord r3 = Part(3, Pattern(10, 'd'));
  PartRecord r5 = Part(5, Pattern(7, 'e'));
  auto object = Complete({Completed(r1), Completed(r2b), Completed(r5)});
  ASSERT_TRUE(object) << CodeOf(object);
  EXPECT_EQ(object->etag.substr(object->etag.size() - 2), "-3");
  EXPECT_EQ(DataFiles(), (std::set<std::string>{r1.file, r2b.file, r5.file}));
  EXPECT_FALSE(fs::exists(DataPath(r3.file)));
  EXPECT_EQ(Content("bucket", "big/object"),
            Pattern(100, 'a') + Pattern(120, 'c') + Pattern(7, 'e'));
}

TEST_F(MultipartTest, EntityTooSmall) {
  PartRecord r1 = Part(1, Pattern(99, 'a'));
  PartRecord r2 = Part(2, Pattern(100, 'b'));
  auto small = Complete({Completed(r1), Completed(r2)});
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code(), "EntityTooSmall");
  EXPECT_EQ(small.error().http_status(), 400);
  // Nothing changed: the upload and its parts are still there.
  EXPECT_EQ(store_->ListParts(upload_)->size(), 2u);
  EXPECT_EQ(DataFiles().size(), 2u);
  // Only the last part may be small.
  PartRecord r1b = Part(1, Pattern(100, 'a'));
  PartRecord r3 = Part(3, "x");
  EXPECT_EQ(CodeOf(Complete({Completed(r1b), Completed(r2), Completed(r3)})), "ok");
}

TEST_F(MultipartTest, SinglePartMayBeSmall) {
  PartRecord r1 = Part(1, "tiny");
  auto object = Complete({Completed(r1)});
  ASSERT_TRUE(object) << CodeOf(object);
  EXPECT_EQ(object->etag, HexEncode(Md5(Md5("tiny"))) + "-1");
  EXPECT_EQ(Content("bucket", "big/object"), "tiny");
}

TEST_F(MultipartTest, InvalidPartAndOrder) {
  PartRecord r1 = Part(1, Pattern(100, 'a'));
  PartRecord r2 = Part(2, Pattern(100, 'b'));
  CompletedPart wrong_etag = Completed(r2);
  wrong_etag.etag = "\"" + HexEncode(Md5("other")) + "\"";
  auto bad = Complete({Completed(r1), wrong_etag});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), "InvalidPart");
  EXPECT_EQ(bad.error().http_status(), 400);
  EXPECT_EQ(CodeOf(Complete({Completed(r1), CompletedPart{3, "\"" + r2.etag + "\"", {}}})),
            "InvalidPart");
  EXPECT_EQ(CodeOf(Complete({Completed(r2), Completed(r1)})), "InvalidPartOrder");
  EXPECT_EQ(CodeOf(Complete({Completed(r1), Completed(r1)})), "InvalidPartOrder");
  EXPECT_EQ(CodeOf(Complete({})), "MalformedXML");
  // An ETag without quotes is accepted.
  CompletedPart unquoted = Completed(r2);
  unquoted.etag = r2.etag;
  EXPECT_EQ(CodeOf(Complete({Completed(r1), unquoted})), "ok");
}

TEST_F(MultipartTest, ConditionalComplete) {
  ASSERT_TRUE(Put(bucket_, "big/object", "already here"));
  PartRecord r1 = Part(1, "part");
  WriteConditions if_none_match;
  if_none_match.if_none_match = "*";
  EXPECT_EQ(CodeOf(Complete({Completed(r1)}, if_none_match)), "PreconditionFailed");
  EXPECT_EQ(Content("bucket", "big/object"), "already here");
  EXPECT_TRUE(store_->GetUpload("bucket", "big/object", upload_.upload_id));
  WriteConditions if_match;
  if_match.if_match = HexEncode(Md5("already here"));
  EXPECT_EQ(CodeOf(Complete({Completed(r1)}, if_match)), "ok");
  EXPECT_EQ(Content("bucket", "big/object"), "part");
  EXPECT_EQ(DataFiles(), std::set<std::string>{r1.file});  // the replaced object's file is gone
}

TEST_F(MultipartTest, VersionedComplete) {
  ASSERT_TRUE(store_->SetVersioning("bucket", "Enabled"));
  bucket_.versioning = "Enabled";
  auto old = Put(bucket_, "big/object", "old");
  PartRecord r1 = Part(1, "new");
  auto object = Complete({Completed(r1)});
  ASSERT_TRUE(object);
  EXPECT_EQ(object->version_id.size(), 32u);
  EXPECT_EQ(Content("bucket", "big/object"), "new");
  EXPECT_EQ(Content("bucket", "big/object", old->version_id), "old");
}

TEST_F(MultipartTest, Abort) {
  PartRecord r1 = Part(1, Pattern(100, 'a'));
  PartRecord r2 = Part(2, Pattern(100, 'b'));
  ASSERT_TRUE(store_->AbortUpload(upload_));
  EXPECT_TRUE(DataFiles().empty());
  EXPECT_EQ(CodeOf(store_->GetUpload("bucket", "big/object", upload_.upload_id)), "NoSuchUpload");
  EXPECT_EQ(CodeOf(store_->AbortUpload(upload_)), "NoSuchUpload");
  EXPECT_EQ(CodeOf(Complete({Completed(r1), Completed(r2)})), "NoSuchUpload");
  // A part arriving after the abort leaves no file behind.
  EXPECT_EQ(CodeOf(store_->CommitPart(upload_, 3, StageData("late"), nullptr)), "NoSuchUpload");
  EXPECT_TRUE(DataFiles().empty());
  EXPECT_TRUE(TempFiles().empty());
}

TEST_F(MultipartTest, UploadsAreFoundByBucketKeyAndId) {
  auto second = store_->CreateUpload(bucket_, "big/other", json::object());
  auto third = store_->CreateUpload(bucket_, "small", json::object());
  ASSERT_TRUE(second && third);
  EXPECT_EQ(upload_.initiated, clock_.Now());
  EXPECT_EQ(CodeOf(store_->GetUpload("bucket", "big/other", upload_.upload_id)), "NoSuchUpload");
  EXPECT_EQ(CodeOf(store_->GetUpload("elsewhere", "big/object", upload_.upload_id)),
            "NoSuchUpload");
  auto got = store_->GetUpload("bucket", "big/object", upload_.upload_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->meta["ContentType"], "video/mp4");
  auto big = store_->ListUploads("bucket", "big/");
  ASSERT_TRUE(big);
  ASSERT_EQ(big->size(), 2u);
  EXPECT_EQ((*big)[0].key, "big/object");
  EXPECT_EQ((*big)[1].key, "big/other");
  EXPECT_EQ(store_->ListUploads("bucket", "")->size(), 3u);
}

TEST_F(MultipartTest, StageCopyOfARangeAcrossParts) {
  std::string p1 = Pattern(100, 'a'), p2 = Pattern(60, 'q');
  PartRecord r1 = Part(1, p1), r2 = Part(2, p2);
  auto object = Complete({Completed(r1), Completed(r2)});
  ASSERT_TRUE(object);
  auto staged = store_->StageCopy(*object, 90, 30, {ChecksumAlgorithm::Crc32c});
  ASSERT_TRUE(staged) << CodeOf(staged);
  std::string expected = (p1 + p2).substr(90, 30);
  EXPECT_EQ(staged->size, 30u);
  EXPECT_EQ(staged->md5, Md5(expected));
  EXPECT_EQ(Base64Encode(staged->checksums[ChecksumAlgorithm::Crc32c]),
            ChecksumBase64(ChecksumAlgorithm::Crc32c, expected));
  ObjectRecord record;
  record.etag = HexEncode(staged->md5);
  ASSERT_TRUE(store_->CommitObject(bucket_, "copy", std::move(*staged), record, {}));
  EXPECT_EQ(Content("bucket", "copy"), expected);
}

// ---- Crash recovery ----

TEST_F(ObjectStoreTest, OpenRemovesLeftoversAndKeepsWhatIsReferenced) {
  Bucket b = MakeBucket("bucket");
  auto kept = Put(b, "kept", "kept bytes");
  ASSERT_TRUE(kept);
  auto upload = store_->CreateUpload(b, "mp", json::object());
  auto part = store_->CommitPart(*upload, 1, StageData("part bytes"), nullptr);
  ASSERT_TRUE(part);
  StageData("staged, never committed");  // a crash before the commit

  // What a crash between publishing a file and committing its record leaves: data files that
  // nothing points at.
  std::string orphan = std::string(32, 'f');
  std::string orphan2 = "ab" + std::string(30, '0');
  for (const auto& f : {orphan, orphan2}) {
    fs::create_directories(DataPath(f).parent_path());
    std::ofstream(DataPath(f)) << "orphan";
  }
  std::ofstream(root() / "tmp" / "interrupted-upload") << "partial";
  fs::create_directories(root() / "tmp" / "subdir");
  std::ofstream(root() / "tmp" / "subdir" / "x") << "partial";
  ASSERT_EQ(TempFiles().size(), 3u);
  ASSERT_EQ(DataFiles().size(), 4u);

  Reopen();
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_TRUE(fs::is_directory(root() / "tmp"));
  EXPECT_EQ(DataFiles(), (std::set<std::string>{kept->segments[0].file, part->file}));
  EXPECT_EQ(Content("bucket", "kept"), "kept bytes");
  // The upload survived the restart and completes with its part.
  auto completed = store_->CompleteUpload(b, *upload, {{1, part->etag, {}}}, {});
  ASSERT_TRUE(completed) << CodeOf(completed);
  EXPECT_EQ(Content("bucket", "mp"), "part bytes");
  // Staging works again after the cleanup.
  EXPECT_TRUE(Put(b, "after", "restart"));
}

TEST_F(ObjectStoreTest, WritesAfterARestartContinueTheWriteOrder) {
  Bucket b = MakeBucket("bucket", "Enabled");
  auto v1 = Put(b, "key", "one");
  auto v2 = Put(b, "key", "two");
  ASSERT_TRUE(v1 && v2);
  // The catalog remembers writes numbered far beyond anything this process has handed out (a
  // long-lived data directory); Open() must continue after them.
  constexpr int64_t kAhead = 1'000'000'000'000;
  auto bumped = catalog_->Write([&](catalog::Connection& db) -> catalog::DbStatus {
    return db.Exec("UPDATE s3_objects SET seq = seq + " + std::to_string(kAhead));
  });
  ASSERT_TRUE(bumped);
  Reopen();
  auto v3 = Put(b, "key", "three");
  ASSERT_TRUE(v3);
  EXPECT_GT(v3->seq, v2->seq + kAhead);
  auto versions = store_->ListVersions("bucket", {});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->versions.size(), 3u);
  EXPECT_EQ(versions->versions[0].version_id, v3->version_id);  // newest first
  EXPECT_EQ(versions->versions[1].version_id, v2->version_id);
  ASSERT_TRUE(store_->DeleteObject(b, "key", v3->version_id));
  EXPECT_EQ(Content("bucket", "key"), "two");  // promoted by write order
}

// ---- Readers and overwrites ----

TEST_F(ObjectStoreTest, AReaderKeepsTheBytesItStartedWith) {
  Bucket b = MakeBucket("bucket");
  std::string old_data = Pattern(300000, 'o');
  auto old = Put(b, "key", old_data);
  ASSERT_TRUE(old);
  std::string old_file = old->segments[0].file;

  auto reader = store_->Open(*old, 0, old->size);
  ASSERT_NE(reader, nullptr);
  std::string head(1000, '\0');
  auto n = reader->Read(std::span(head.data(), head.size()));
  ASSERT_TRUE(n);
  head.resize(*n);

  ASSERT_TRUE(Put(b, "key", "new bytes"));
  EXPECT_EQ(Content("bucket", "key"), "new bytes");
  EXPECT_TRUE(fs::exists(DataPath(old_file)));  // still being read

  // The running reader goes on with the old bytes.
  std::string rest = Drain(*reader, 65536);
  EXPECT_EQ(head + rest, old_data);
  EXPECT_TRUE(fs::exists(DataPath(old_file)));
  reader.reset();
  EXPECT_FALSE(fs::exists(DataPath(old_file)));  // removed with its last reader
  EXPECT_EQ(DataFiles().size(), 1u);
}

TEST_F(ObjectStoreTest, TheLastOfSeveralReadersRemovesTheFile) {
  Bucket b = MakeBucket("bucket");
  auto old = Put(b, "key", "old bytes");
  ASSERT_TRUE(old);
  std::string old_file = old->segments[0].file;
  auto first = store_->Open(*old, 0, old->size);
  auto second = store_->Open(*old, 4, 5);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(store_->DeleteObject(b, "key", std::nullopt));
  first.reset();
  EXPECT_TRUE(fs::exists(DataPath(old_file)));
  EXPECT_EQ(Drain(*second), "bytes");
  second.reset();
  EXPECT_FALSE(fs::exists(DataPath(old_file)));
}

TEST_F(ObjectStoreTest, AStaleRecordCannotBeOpened) {
  Bucket b = MakeBucket("bucket");
  auto old = Put(b, "key", "old");
  ASSERT_TRUE(old);
  ASSERT_TRUE(Put(b, "key", "new"));
  EXPECT_EQ(store_->Open(*old, 0, old->size), nullptr);
  EXPECT_EQ(CodeOf(store_->Read(*old, 0, old->size)), "InternalError");
  // And the failed attempt left no lease behind that would keep files alive.
  auto current = store_->GetObject("bucket", "key", std::nullopt);
  ASSERT_TRUE(Put(b, "key", "newer"));
  EXPECT_FALSE(fs::exists(DataPath(current->segments[0].file)));
}

TEST_F(ObjectStoreTest, AReaderOfAMultipartObjectSurvivesItsDeletion) {
  Bucket b = MakeBucket("bucket");
  store_->set_min_part_size(1);
  auto upload = store_->CreateUpload(b, "mp", json::object());
  ASSERT_TRUE(upload);
  std::vector<CompletedPart> parts;
  std::string all;
  for (int i = 1; i <= 3; ++i) {
    std::string data = Pattern(1000 + i, static_cast<char>('a' + i));
    all += data;
    auto part = store_->CommitPart(*upload, i, StageData(data), nullptr);
    ASSERT_TRUE(part);
    parts.push_back({i, part->etag, {}});
  }
  auto object = store_->CompleteUpload(b, *upload, parts, {});
  ASSERT_TRUE(object);
  auto reader = store_->Open(*object, 500, all.size() - 600);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(store_->DeleteObject(b, "mp", std::nullopt));
  EXPECT_EQ(DataFiles().size(), 3u);
  EXPECT_EQ(Drain(*reader, 333), all.substr(500, all.size() - 600));
  reader.reset();
  EXPECT_TRUE(DataFiles().empty());
}

// ---- Reset ----

TEST_F(ObjectStoreTest, ResetEmptiesEverything) {
  Bucket b = MakeBucket("bucket", "Enabled");
  MakeBucket("other");
  ASSERT_TRUE(Put(b, "k1", "v1"));
  ASSERT_TRUE(Put(b, "k1", "v2"));
  ASSERT_TRUE(store_->DeleteObject(b, "k1", std::nullopt));
  ASSERT_TRUE(store_->PutConfig("bucket", "policy", "{}"));
  auto upload = store_->CreateUpload(b, "mp", json::object());
  ASSERT_TRUE(store_->CommitPart(*upload, 1, StageData("part"), nullptr));
  ASSERT_FALSE(DataFiles().empty());

  ASSERT_TRUE(store_->Reset());
  EXPECT_TRUE(store_->ListBuckets(kAccount)->empty());
  EXPECT_EQ(CodeOf(store_->GetBucket("bucket")), "NoSuchBucket");
  EXPECT_EQ(CodeOf(store_->GetUpload("bucket", "mp", upload->upload_id)), "NoSuchUpload");
  EXPECT_TRUE(DataFiles().empty());
  EXPECT_TRUE(TempFiles().empty());

  // Usable again, with nothing inherited.
  Bucket again = MakeBucket("bucket");
  EXPECT_EQ(again.versioning, "");
  EXPECT_FALSE(store_->GetConfig("bucket", "policy")->has_value());
  EXPECT_TRUE(store_->ListVersions("bucket", {})->versions.empty());
  ASSERT_TRUE(Put(again, "k1", "fresh"));
  EXPECT_EQ(Content("bucket", "k1"), "fresh");
}

// ---- Inline objects ----

// Objects up to the inline limit live in their catalog row: no data file at any point.
class InlineTest : public ObjectStoreTest {
 protected:
  void SetUp() override {
    inline_limit_ = 64;
    ObjectStoreTest::SetUp();
    bucket_ = MakeBucket("bucket");
  }
  Bucket bucket_;
};

TEST_F(InlineTest, SmallObjectsNeedNoFile) {
  std::string data = Pattern(64, 'a');
  data[10] = '\0';  // bytes, not text
  auto put = Put(bucket_, "small", data);
  ASSERT_TRUE(put) << CodeOf(put);
  EXPECT_TRUE(put->is_inline);
  EXPECT_TRUE(put->segments.empty());
  EXPECT_TRUE(DataFiles().empty());
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_EQ(Content("bucket", "small"), data);
  auto got = store_->GetObject("bucket", "small", std::nullopt);
  ASSERT_TRUE(got);
  EXPECT_EQ(*store_->Read(*got, 5, 20), data.substr(5, 20));
  auto reader = store_->Open(*got, 3, 50);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Drain(*reader), data.substr(3, 50));
  // The bytes survive a restart (they are in the catalog).
  Reopen();
  EXPECT_EQ(Content("bucket", "small"), data);
}

TEST_F(InlineTest, ABodyPastTheLimitSpillsIntoAFile) {
  std::string data = Pattern(65, 'b');
  auto put = Put(bucket_, "spilled", data);
  ASSERT_TRUE(put);
  EXPECT_FALSE(put->is_inline);
  ASSERT_EQ(put->segments.size(), 1u);
  EXPECT_EQ(DataFiles(), std::set<std::string>{put->segments[0].file});
  EXPECT_EQ(Content("bucket", "spilled"), data);
}

TEST_F(InlineTest, OverwritesBetweenInlineAndFileLeaveNoFileBehind) {
  auto big = Put(bucket_, "key", Pattern(1000, 'c'));
  ASSERT_TRUE(big);
  ASSERT_EQ(DataFiles().size(), 1u);
  ASSERT_TRUE(Put(bucket_, "key", "small now"));
  EXPECT_TRUE(DataFiles().empty());
  EXPECT_EQ(Content("bucket", "key"), "small now");
  ASSERT_TRUE(Put(bucket_, "key", Pattern(500, 'd')));
  EXPECT_EQ(DataFiles().size(), 1u);
  EXPECT_EQ(Content("bucket", "key"), Pattern(500, 'd'));
}

TEST_F(InlineTest, ListedRecordsCarryNoBytes) {
  ASSERT_TRUE(Put(bucket_, "a", "alpha"));
  auto listed = store_->List("bucket", {});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->objects.size(), 1u);
  const ObjectRecord& a = listed->objects[0];
  EXPECT_TRUE(a.is_inline);
  EXPECT_EQ(a.size, 5u);
  EXPECT_TRUE(a.inline_data.empty());
  // Reading needs the record GetObject returns; a listed one is refused, not misread.
  EXPECT_EQ(store_->Open(a, 0, a.size), nullptr);
  EXPECT_FALSE(store_->Read(a, 0, a.size));
  auto versions = store_->ListVersions("bucket", {});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_TRUE(versions->versions[0].inline_data.empty());
}

TEST_F(InlineTest, VersionsAndDeletesOfInlineObjects) {
  ASSERT_TRUE(store_->SetVersioning("bucket", "Enabled"));
  Bucket b = *store_->GetBucket("bucket");
  auto v1 = Put(b, "key", "one");
  auto v2 = Put(b, "key", "two");
  ASSERT_TRUE(v1 && v2);
  EXPECT_EQ(Content("bucket", "key", v1->version_id), "one");
  EXPECT_EQ(Content("bucket", "key"), "two");
  auto removed = store_->DeleteObject(b, "key", v2->version_id);
  ASSERT_TRUE(removed);
  EXPECT_EQ(Content("bucket", "key"), "one");
  EXPECT_TRUE(DataFiles().empty());
}

TEST_F(InlineTest, SmallPartsStillGetFiles) {
  store_->set_min_part_size(10);
  auto upload = store_->CreateUpload(bucket_, "mp", json::object());
  ASSERT_TRUE(upload);
  std::string p1 = Pattern(20, 'e'), p2 = Pattern(5, 'f');
  auto r1 = store_->CommitPart(*upload, 1, StageData(p1), nullptr);
  auto r2 = store_->CommitPart(*upload, 2, StageData(p2), nullptr);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(DataFiles(), (std::set<std::string>{r1->file, r2->file}));
  auto object = store_->CompleteUpload(
      bucket_, *upload, {CompletedPart{1, r1->etag, nullptr}, CompletedPart{2, r2->etag, nullptr}},
      {});
  ASSERT_TRUE(object) << CodeOf(object);
  EXPECT_FALSE(object->is_inline);
  EXPECT_EQ(Content("bucket", "mp"), p1 + p2);
}

TEST_F(InlineTest, CopiesOfInlineObjects) {
  std::string data = Pattern(60, 'g');
  ASSERT_TRUE(Put(bucket_, "source", data));
  auto source = store_->GetObject("bucket", "source", std::nullopt);
  ASSERT_TRUE(source);
  auto staged = store_->StageCopy(*source, 10, 40, {});
  ASSERT_TRUE(staged) << CodeOf(staged);
  EXPECT_TRUE(staged->in_memory);
  ObjectRecord record;
  record.etag = HexEncode(staged->md5);
  ASSERT_TRUE(store_->CommitObject(bucket_, "copy", std::move(*staged), record, {}));
  EXPECT_EQ(Content("bucket", "copy"), data.substr(10, 40));
  EXPECT_TRUE(DataFiles().empty());
}

TEST_F(InlineTest, AFailedCommitOfAnInlineObjectChangesNothing) {
  ASSERT_TRUE(Put(bucket_, "key", "kept"));
  Staged staged = StageData("replacement");
  ObjectRecord record;
  record.etag = HexEncode(staged.md5);
  WriteConditions conditions;
  conditions.if_none_match = "*";
  EXPECT_EQ(CodeOf(store_->CommitObject(bucket_, "key", std::move(staged), record, conditions)),
            "PreconditionFailed");
  EXPECT_EQ(Content("bucket", "key"), "kept");
}

// ---- Encryption at rest ----

class EncryptionTest : public ObjectStoreTest {
 protected:
  void SetUp() override {
    inline_limit_ = 64;
    ObjectStoreTest::SetUp();
    bucket_ = MakeBucket("bucket");
    key_.base = std::string(32, 'k');
    other_.base = std::string(32, 'o');
  }
  Result<ObjectRecord> PutEncrypted(std::string_view key, std::string_view data,
                                    const DataKey& with) {
    http::StringBodySource body(data);
    auto staged = store_->Stage(body, {ChecksumAlgorithm::Crc32}, UINT64_MAX, &with);
    EXPECT_TRUE(staged) << CodeOf(staged);
    if (!staged) return Fail(staged.error());
    EXPECT_EQ(staged->md5, Md5(data));  // of the plaintext
    EXPECT_EQ(Base64Encode(staged->checksums[ChecksumAlgorithm::Crc32]),
              ChecksumBase64(ChecksumAlgorithm::Crc32, data));
    ObjectRecord record;
    record.etag = HexEncode(staged->md5);
    return store_->CommitObject(bucket_, key, std::move(*staged), record, {});
  }
  std::string ReadWith(std::string_view key, const DataKey& with, uint64_t offset,
                       uint64_t length) {
    auto record = store_->GetObject("bucket", key, std::nullopt);
    if (!record) return record.error().code();
    auto reader = store_->Open(*record, offset, length, &with);
    if (reader == nullptr) return "<no reader>";
    return Drain(*reader);
  }
  std::string FileBytes(const std::string& file) {
    std::ifstream in(DataPath(file), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  Bucket bucket_;
  DataKey key_, other_;
};

TEST_F(EncryptionTest, FilesHoldCiphertextAndRangesDecrypt) {
  std::string data = Pattern(5000, 'a');
  auto put = PutEncrypted("file", data, key_);
  ASSERT_TRUE(put) << CodeOf(put);
  ASSERT_EQ(put->segments.size(), 1u);
  std::string at_rest = FileBytes(put->segments[0].file);
  EXPECT_EQ(at_rest.size(), data.size());
  EXPECT_EQ(at_rest.find(data.substr(0, 32)), std::string::npos);
  EXPECT_EQ(ReadWith("file", key_, 0, data.size()), data);
  for (uint64_t offset : {1u, 15u, 16u, 17u, 4095u}) {
    EXPECT_EQ(ReadWith("file", key_, offset, 700), data.substr(offset, 700)) << offset;
  }
  EXPECT_NE(ReadWith("file", other_, 0, 100), data.substr(0, 100));
  // The same bytes under the same key are stored differently (a key stream per blob).
  auto again = PutEncrypted("again", data, key_);
  ASSERT_TRUE(again);
  EXPECT_NE(FileBytes(again->segments[0].file), at_rest);
}

TEST_F(EncryptionTest, InlineRowsDecryptOnlyWithTheKey) {
  std::string data = Pattern(60, 'b');
  auto put = PutEncrypted("small", data, key_);
  ASSERT_TRUE(put);
  EXPECT_TRUE(put->is_inline);
  EXPECT_TRUE(DataFiles().empty());
  auto record = store_->GetObject("bucket", "small", std::nullopt);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->inline_data.find(data.substr(0, 16)), std::string::npos);
  EXPECT_EQ(ReadWith("small", key_, 0, 60), data);
  EXPECT_EQ(ReadWith("small", key_, 7, 40), data.substr(7, 40));
  EXPECT_EQ(*store_->Read(*record, 17, 20, &key_), data.substr(17, 20));
  // Read as plaintext, the row does not match the object: refused rather than misread.
  EXPECT_FALSE(store_->Read(*record, 0, 60));
  Reopen();
  EXPECT_EQ(ReadWith("small", key_, 0, 60), data);
}

TEST_F(EncryptionTest, MultipartSegmentsEachHaveTheirKey) {
  store_->set_min_part_size(100);
  auto upload = store_->CreateUpload(bucket_, "mp", json::object());
  ASSERT_TRUE(upload);
  std::string p1 = Pattern(150, 'c'), p2 = Pattern(30, 'd');
  std::vector<CompletedPart> completed;
  int number = 0;
  for (const std::string* part : {&p1, &p2}) {
    http::StringBodySource body(*part);
    auto staged = store_->Stage(body, {}, UINT64_MAX, &key_);
    ASSERT_TRUE(staged);
    auto committed = store_->CommitPart(*upload, ++number, std::move(*staged), nullptr);
    ASSERT_TRUE(committed) << CodeOf(committed);
    EXPECT_NE(FileBytes(committed->file), *part);
    completed.push_back(CompletedPart{number, committed->etag, nullptr});
  }
  auto object = store_->CompleteUpload(bucket_, *upload, completed, {});
  ASSERT_TRUE(object) << CodeOf(object);
  std::string whole = p1 + p2;
  EXPECT_EQ(ReadWith("mp", key_, 0, whole.size()), whole);
  EXPECT_EQ(ReadWith("mp", key_, 140, 25), whole.substr(140, 25));  // across the boundary
}

TEST_F(EncryptionTest, CopiesDecryptTheSourceAndEncryptTheTarget) {
  std::string data = Pattern(3000, 'e');
  ASSERT_TRUE(PutEncrypted("source", data, key_));
  auto source = store_->GetObject("bucket", "source", std::nullopt);
  ASSERT_TRUE(source);
  // Re-encrypted under another key.
  auto staged = store_->StageCopy(*source, 100, 2000, {}, &key_, &other_);
  ASSERT_TRUE(staged) << CodeOf(staged);
  EXPECT_EQ(staged->md5, Md5(data.substr(100, 2000)));
  ObjectRecord record;
  record.etag = HexEncode(staged->md5);
  ASSERT_TRUE(store_->CommitObject(bucket_, "copy", std::move(*staged), record, {}));
  EXPECT_EQ(ReadWith("copy", other_, 0, 2000), data.substr(100, 2000));
  // Decrypted into plaintext.
  auto plain = store_->StageCopy(*source, 0, 50, {}, &key_, nullptr);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->encrypted);
  ASSERT_TRUE(store_->CommitObject(bucket_, "plain", std::move(*plain), record, {}));
  EXPECT_EQ(Content("bucket", "plain"), data.substr(0, 50));
}

}  // namespace
}  // namespace gureum::s3
