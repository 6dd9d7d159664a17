#include "s3/object_store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"
#include "gureum/core/ids.h"
#include "gureum/core/time_format.h"

#include "s3/s3_errors.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gureum::s3 {
namespace {

namespace fs = std::filesystem;
using catalog::Connection;
using catalog::DbResult;
using catalog::DbStatus;
using catalog::Statement;
using nlohmann::json;

constexpr size_t kIoChunk = 1 << 20;

constexpr std::array kMigrations = {
    catalog::Migration{1, R"sql(
      CREATE TABLE s3_buckets (
        name TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        created_at TEXT NOT NULL,
        versioning TEXT NOT NULL DEFAULT '',
        object_lock INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE s3_bucket_configs (
        bucket TEXT NOT NULL REFERENCES s3_buckets(name) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (bucket, kind)
      );
      CREATE TABLE s3_objects (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        version_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        latest INTEGER NOT NULL,
        delete_marker INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        segments TEXT NOT NULL,
        meta TEXT NOT NULL,
        PRIMARY KEY (bucket, key, version_id)
      );
      CREATE INDEX s3_objects_latest ON s3_objects (bucket, latest, key);
      CREATE INDEX s3_objects_versions ON s3_objects (bucket, key, seq);
      CREATE TABLE s3_uploads (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        initiated TEXT NOT NULL,
        meta TEXT NOT NULL
      );
      CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, key, initiated);
      CREATE TABLE s3_parts (
        upload_id TEXT NOT NULL REFERENCES s3_uploads(upload_id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        file TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        checksum TEXT NOT NULL,
        PRIMARY KEY (upload_id, number)
      );
    )sql"},
    // Small objects are kept inline (see kInlineLimit).
    catalog::Migration{2, "ALTER TABLE s3_objects ADD COLUMN inline_data BLOB"},
};

// Catalog errors inside a write transaction: either a SQLite failure or an S3 error decided
// while looking at the rows (precondition, missing upload...).
using TxResult = Result<json>;

AwsError Db(std::error_code ec) { return catalog::ToAwsError(ec); }

std::string Iso(SystemTime t) { return FormatIso8601(t, true); }
SystemTime FromIso(const std::string& s) {
  auto t = ParseIso8601(s);
  return t ? *t : SystemTime{};
}

json SegmentsJson(const std::vector<Segment>& segments) {
  json out = json::array();
  for (const auto& s : segments) out.push_back(json{{"f", s.file}, {"n", s.size}});
  return out;
}

std::vector<Segment> SegmentsFrom(const std::string& text) {
  std::vector<Segment> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& s : j) {
    out.push_back(Segment{s.value("f", std::string()), s.value("n", uint64_t{0})});
  }
  return out;
}

constexpr const char* kObjectColumns =
    "bucket, key, version_id, seq, latest, delete_marker, size, etag, last_modified, "
    "storage_class, segments, meta, inline_data";
// Listings need no bytes: the inline data column is left out (NULL), its presence kept.
constexpr const char* kListColumns =
    "bucket, key, version_id, seq, latest, delete_marker, size, etag, last_modified, "
    "storage_class, segments, meta, CASE WHEN inline_data IS NULL THEN NULL ELSE x'' END";

ObjectRecord ReadObject(const Statement& s) {
  ObjectRecord r;
  r.bucket = s.Text(0);
  r.key = s.Text(1);
  r.version_id = s.Text(2);
  r.seq = s.Int(3);
  r.latest = s.Int(4) != 0;
  r.delete_marker = s.Int(5) != 0;
  r.size = static_cast<uint64_t>(s.Int(6));
  r.etag = s.Text(7);
  r.last_modified = FromIso(s.Text(8));
  r.storage_class = s.Text(9);
  r.segments = SegmentsFrom(s.Text(10));
  json meta = json::parse(s.Text(11), nullptr, false);
  r.meta = meta.is_object() ? meta : json::object();
  if (!s.IsNull(12)) {
    r.is_inline = true;
    r.inline_data = s.Blob(12);
  }
  return r;
}

DbStatus InsertObject(Connection& db, const ObjectRecord& r) {
  auto s = db.Prepare(std::string("INSERT INTO s3_objects (") + kObjectColumns +
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!s) return tl::unexpected(s.error());
  (*s)->Bind(1, r.bucket)
      .Bind(2, r.key)
      .Bind(3, r.version_id)
      .Bind(4, r.seq)
      .Bind(5, r.latest ? 1 : 0)
      .Bind(6, r.delete_marker ? 1 : 0)
      .Bind(7, static_cast<int64_t>(r.size))
      .Bind(8, r.etag)
      .Bind(9, Iso(r.last_modified))
      .Bind(10, r.storage_class)
      .Bind(11, SegmentsJson(r.segments).dump())
      .Bind(12, r.meta.dump(-1, ' ', false, json::error_handler_t::replace));
  if (r.is_inline) {
    (*s)->BindBlob(13, r.inline_data);
  } else {
    (*s)->Bind(13, nullptr);
  }
  return (*s)->Run();
}

// Rows of one query, read with `read`.
template <class T, class F>
DbResult<std::vector<T>> Rows(Statement& s, F read) {
  std::vector<T> out;
  for (;;) {
    auto row = s.Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read(s));
  }
}

DbResult<std::optional<ObjectRecord>> FindVersion(Connection& db, std::string_view bucket,
                                                  std::string_view key,
                                                  std::optional<std::string_view> version) {
  auto s = version ? db.Prepare(std::string("SELECT ") + kObjectColumns +
                                " FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?")
                   : db.Prepare(std::string("SELECT ") + kObjectColumns +
                                " FROM s3_objects WHERE bucket = ? AND key = ? AND latest = 1");
  if (!s) return tl::unexpected(s.error());
  (*s)->Bind(1, bucket).Bind(2, key);
  if (version) (*s)->Bind(3, *version);
  auto row = (*s)->Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<ObjectRecord>();
  return std::optional<ObjectRecord>(ReadObject(**s));
}

DbResult<std::optional<Bucket>> FindBucket(Connection& db, std::string_view name) {
  auto s = db.Prepare(
      "SELECT name, account_id, region, created_at, versioning, object_lock FROM s3_buckets "
      "WHERE name = ?");
  if (!s) return tl::unexpected(s.error());
  (*s)->Bind(1, name);
  auto row = (*s)->Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<Bucket>();
  Bucket b{(*s)->Text(0),          (*s)->Text(1), (*s)->Text(2),
           FromIso((*s)->Text(3)), (*s)->Text(4), (*s)->Int(5) != 0};
  return std::optional<Bucket>(std::move(b));
}

// S3 version ids: 32 URL-safe characters.
std::string NewVersionId() {
  return RandomChars(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._");
}

bool EtagMatches(std::string_view condition, std::string_view etag) {
  // "If-Match: *" matches any existing object; otherwise a comma-separated list of ETags.
  size_t pos = 0;
  while (pos <= condition.size()) {
    size_t comma = condition.find(',', pos);
    if (comma == std::string_view::npos) comma = condition.size();
    std::string_view item = Trim(condition.substr(pos, comma - pos));
    if (item == "*" || UnquoteEtag(item) == etag) return true;
    pos = comma + 1;
  }
  return false;
}

// Checks write preconditions against the current latest version (may be missing).
Status CheckWriteConditions(const std::optional<ObjectRecord>& current, std::string_view key,
                            const WriteConditions& c) {
  bool exists = current && !current->delete_marker;
  if (c.if_none_match && exists) return Fail(errors::PreconditionFailed("If-None-Match"));
  if (c.if_match) {
    if (!exists) return Fail(errors::NoSuchKey(key));
    if (!EtagMatches(*c.if_match, current->etag)) {
      return Fail(errors::PreconditionFailed("If-Match"));
    }
  }
  return Ok();
}

// Takes the (bucket, key) slot for a new latest version: demotes the current latest, and
// removes the existing "null" version when the new one is also "null". Returns files that
// are no longer referenced.
DbResult<std::vector<std::string>> MakeRoom(Connection& db, std::string_view bucket,
                                            std::string_view key, std::string_view version_id) {
  std::vector<std::string> freed;
  if (version_id == "null") {
    auto old = FindVersion(db, bucket, key, std::string_view("null"));
    if (!old) return tl::unexpected(old.error());
    if (*old) {
      for (const auto& s : (*old)->segments) freed.push_back(s.file);
      auto del =
          db.Prepare("DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = 'null'");
      if (!del) return tl::unexpected(del.error());
      (*del)->Bind(1, bucket).Bind(2, key);
      if (auto r = (*del)->Run(); !r) return tl::unexpected(r.error());
    }
  }
  auto demote =
      db.Prepare("UPDATE s3_objects SET latest = 0 WHERE bucket = ? AND key = ? AND latest = 1");
  if (!demote) return tl::unexpected(demote.error());
  (*demote)->Bind(1, bucket).Bind(2, key);
  if (auto r = (*demote)->Run(); !r) return tl::unexpected(r.error());
  return freed;
}

std::atomic<int64_t> g_seq{0};

int64_t NextSeq() { return g_seq.fetch_add(1) + 1; }

// The smallest string greater than every string starting with `prefix`, or "" if none
// (prefix of only 0xFF bytes).
std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last != 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

Result<int> OpenRead(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::InternalError,
                "cannot open object data " + path.string() + ": " + std::strerror(errno));
  }
  return fd;
}

Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::InternalError,
                  std::string("cannot write object data: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace

std::string UnquoteEtag(std::string_view etag) {
  etag = Trim(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

namespace {

// Size of the blob id stored in front of an encrypted inline object's bytes.
constexpr size_t kInlineIdSize = 16;

std::string BlobKey(const DataKey& key, std::string_view blob_id) {
  Sha256Digest k = HmacSha256(key.base, "gureum-s3-blob/" + std::string(blob_id));
  return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

// Streams the bytes of an inline object (a copy: the record may go away first).
class InlineReader final : public http::BodyProducer {
 public:
  explicit InlineReader(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> Read(std::span<char> buffer) override {
    size_t n = std::min(buffer.size(), bytes_.size() - position_);
    std::memcpy(buffer.data(), bytes_.data() + position_, n);
    position_ += n;
    return n;
  }

 private:
  std::string bytes_;
  size_t position_ = 0;
};

}  // namespace

// Files being read stay on disk until their readers finish, even if a commit no longer
// references them; deletions of such files are deferred to the last reader.
class ObjectStore::Leases {
 public:
  explicit Leases(ObjectStore& store) : store_(store) {}
  void Acquire(const std::vector<Segment>& segments) {
    std::lock_guard lock(mu_);
    for (const auto& s : segments) ++count_[s.file];
  }
  void Release(const std::vector<Segment>& segments) {
    std::vector<std::string> remove;
    {
      std::lock_guard lock(mu_);
      for (const auto& s : segments) {
        auto it = count_.find(s.file);
        if (it == count_.end()) continue;
        if (--it->second == 0) {
          count_.erase(it);
          if (doomed_.erase(s.file) > 0) remove.push_back(s.file);
        }
      }
    }
    for (const auto& f : remove) Unlink(f);
  }
  void Remove(const std::vector<std::string>& files) {
    std::vector<std::string> now;
    {
      std::lock_guard lock(mu_);
      for (const auto& f : files) {
        if (count_.count(f) > 0) {
          doomed_.insert(f);
        } else {
          now.push_back(f);
        }
      }
    }
    for (const auto& f : now) Unlink(f);
  }

 private:
  void Unlink(const std::string& file) {
    std::error_code ec;
    fs::remove(store_.DataPath(file), ec);
  }
  ObjectStore& store_;
  std::mutex mu_;
  std::unordered_map<std::string, int> count_;
  std::unordered_set<std::string> doomed_;
};

// Streams a byte range across an object's segments.
class ObjectStore::SegmentReader final : public http::BodyProducer {
 public:
  SegmentReader(ObjectStore& store, std::vector<Segment> segments, uint64_t offset, uint64_t length,
                const DataKey* key)
      : store_(store), segments_(std::move(segments)), offset_(offset), remaining_(length) {
    if (key != nullptr) key_ = *key;
    store_.leases_->Acquire(segments_);
  }
  ~SegmentReader() override {
    if (fd_ >= 0) ::close(fd_);
    store_.leases_->Release(segments_);
  }
  // All segment files are present (none was removed before the lease was taken).
  bool Valid() const {
    for (const auto& s : segments_) {
      struct stat st;
      if (::stat(store_.DataPath(s.file).c_str(), &st) != 0) return false;
    }
    return true;
  }

  Result<size_t> Read(std::span<char> buffer) override {
    size_t total = 0;
    while (total < buffer.size() && remaining_ > 0) {
      // Find the segment holding offset_.
      while (index_ < segments_.size() && offset_ >= segments_[index_].size) {
        offset_ -= segments_[index_].size;
        ++index_;
        if (fd_ >= 0) {
          ::close(fd_);
          fd_ = -1;
        }
      }
      if (index_ >= segments_.size()) break;
      if (fd_ < 0) {
        GUREUM_TRY(fd_, OpenRead(store_.DataPath(segments_[index_].file)));
        if (key_) cipher_.emplace(BlobKey(*key_, segments_[index_].file), offset_);
      }
      uint64_t in_segment = segments_[index_].size - offset_;
      size_t want =
          static_cast<size_t>(std::min<uint64_t>({buffer.size() - total, remaining_, in_segment}));
      ssize_t n = ::pread(fd_, buffer.data() + total, want, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Fail(ErrorCode::InternalError, "object data ended early (file truncated?)");
      }
      if (cipher_) cipher_->Apply(buffer.data() + total, static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      offset_ += static_cast<uint64_t>(n);
      remaining_ -= static_cast<uint64_t>(n);
    }
    return total;
  }

 private:
  ObjectStore& store_;
  std::vector<Segment> segments_;
  size_t index_ = 0;
  uint64_t offset_;
  uint64_t remaining_;
  int fd_ = -1;
  std::optional<DataKey> key_;
  std::optional<AesCtr> cipher_;  // of the open segment, positioned at offset_
};

ObjectStore::ObjectStore(catalog::Catalog& catalog, std::filesystem::path root,
                         bool strict_durability, const Clock& clock)
    : catalog_(catalog),
      root_(std::move(root)),
      strict_(strict_durability),
      clock_(clock),
      leases_(std::make_unique<Leases>(*this)) {}

ObjectStore::~ObjectStore() = default;

fs::path ObjectStore::DataPath(std::string_view file) const {
  std::string name(file);
  return root_ / "objects" / name.substr(0, 2) / name;
}

fs::path ObjectStore::TempPath(std::string_view file) const {
  return root_ / "tmp" / std::string(file);
}

Status ObjectStore::Open() {
  if (auto migrated = catalog_.Migrate("s3", kMigrations); !migrated) {
    return Fail(Db(migrated.error()));
  }
  std::error_code ec;
  fs::remove_all(root_ / "tmp", ec);  // interrupted uploads
  fs::create_directories(root_ / "tmp", ec);
  fs::create_directories(root_ / "objects", ec);
  if (ec) return Fail(ErrorCode::InternalError, "cannot create " + root_.string());
  auto max_seq = catalog_.Read([](Connection& db) -> DbResult<int64_t> {
    auto s = db.Prepare("SELECT COALESCE(MAX(seq), 0) FROM s3_objects");
    if (!s) return tl::unexpected(s.error());
    auto row = (*s)->Step();
    if (!row) return tl::unexpected(row.error());
    return (*s)->Int(0);
  });
  if (!max_seq) return Fail(Db(max_seq.error()));
  g_seq.store(std::max(g_seq.load(), *max_seq));
  return RemoveOrphans();
}

Status ObjectStore::RemoveOrphans() {
  auto referenced = catalog_.Read([](Connection& db) -> DbResult<std::unordered_set<std::string>> {
    std::unordered_set<std::string> files;
    auto objects = db.Prepare("SELECT segments FROM s3_objects");
    if (!objects) return tl::unexpected(objects.error());
    for (;;) {
      auto row = (*objects)->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      for (auto& s : SegmentsFrom((*objects)->Text(0))) files.insert(std::move(s.file));
    }
    auto parts = db.Prepare("SELECT file FROM s3_parts");
    if (!parts) return tl::unexpected(parts.error());
    for (;;) {
      auto row = (*parts)->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      files.insert((*parts)->Text(0));
    }
    return files;
  });
  if (!referenced) return Fail(Db(referenced.error()));
  size_t removed = 0;
  std::error_code ec;
  for (auto dir = fs::directory_iterator(root_ / "objects", ec); !ec && dir != fs::end(dir);
       dir.increment(ec)) {
    if (!dir->is_directory()) continue;
    std::error_code ec2;
    for (auto file = fs::directory_iterator(dir->path(), ec2); !ec2 && file != fs::end(file);
         file.increment(ec2)) {
      if (referenced->count(file->path().filename().string()) == 0) {
        std::error_code ignored;
        fs::remove(file->path(), ignored);
        ++removed;
      }
    }
  }
  if (removed > 0) spdlog::info("s3: removed {} unreferenced data files", removed);
  return Ok();
}

Status ObjectStore::Reset() {
  auto status = catalog_.Write([](Connection& db) -> DbStatus {
    return db.Exec(
        "DELETE FROM s3_parts; DELETE FROM s3_uploads; DELETE FROM s3_objects; "
        "DELETE FROM s3_bucket_configs; DELETE FROM s3_buckets;");
  });
  if (!status) return Fail(Db(status.error()));
  return RemoveOrphans();
}

// ---- Buckets ----

Result<Bucket> ObjectStore::CreateBucket(Bucket bucket) {
  bucket.created = clock_.Now();
  auto result = catalog_.Write([&](Connection& db) -> Result<Bucket> {
    auto existing = FindBucket(db, bucket.name);
    if (!existing) return Fail(Db(existing.error()));
    if (*existing) {
      if ((*existing)->account_id == bucket.account_id) {
        // S3 (outside us-east-1) refuses a second create by the owner.
        return Fail(errors::BucketAlreadyOwnedByYou(bucket.name));
      }
      return Fail(errors::BucketAlreadyExists(bucket.name));
    }
    auto s = db.Prepare(
        "INSERT INTO s3_buckets (name, account_id, region, created_at, versioning, object_lock) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return Fail(Db(s.error()));
    (*s)->BindAll(bucket.name, bucket.account_id, bucket.region, Iso(bucket.created),
                  bucket.versioning, bucket.object_lock ? 1 : 0);
    if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    return bucket;
  });
  return result;
}

Result<Bucket> ObjectStore::GetBucket(std::string_view name) {
  auto found = catalog_.Read([&](Connection& db) { return FindBucket(db, name); });
  if (!found) return Fail(Db(found.error()));
  if (!*found) return Fail(errors::NoSuchBucket(name));
  return std::move(**found);
}

Result<std::vector<Bucket>> ObjectStore::ListBuckets(std::string_view account_id) {
  auto found = catalog_.Read([&](Connection& db) -> DbResult<std::vector<Bucket>> {
    auto s = db.Prepare(
        "SELECT name, account_id, region, created_at, versioning, object_lock FROM s3_buckets "
        "WHERE account_id = ? ORDER BY name");
    if (!s) return tl::unexpected(s.error());
    (*s)->Bind(1, account_id);
    return Rows<Bucket>(**s, [](const Statement& r) {
      return Bucket{r.Text(0), r.Text(1), r.Text(2), FromIso(r.Text(3)), r.Text(4), r.Int(5) != 0};
    });
  });
  if (!found) return Fail(Db(found.error()));
  return std::move(*found);
}

Status ObjectStore::DeleteBucket(std::string_view name) {
  std::vector<std::string> freed;
  auto status = catalog_.Write([&](Connection& db) -> Status {
    auto existing = FindBucket(db, name);
    if (!existing) return Fail(Db(existing.error()));
    if (!*existing) return Fail(errors::NoSuchBucket(name));
    auto any = db.Prepare("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1");
    if (!any) return Fail(Db(any.error()));
    (*any)->Bind(1, name);
    auto row = (*any)->Step();
    if (!row) return Fail(Db(row.error()));
    if (*row) return Fail(errors::BucketNotEmpty(name));
    // Incomplete multipart uploads do not keep a bucket alive; they go with it.
    auto parts = db.Prepare(
        "SELECT p.file FROM s3_parts p JOIN s3_uploads u ON p.upload_id = u.upload_id "
        "WHERE u.bucket = ?");
    if (!parts) return Fail(Db(parts.error()));
    (*parts)->Bind(1, name);
    auto files = Rows<std::string>(**parts, [](const Statement& r) { return r.Text(0); });
    if (!files) return Fail(Db(files.error()));
    freed = std::move(*files);
    for (const char* sql :
         {"DELETE FROM s3_uploads WHERE bucket = ?", "DELETE FROM s3_buckets WHERE name = ?"}) {
      auto s = db.Prepare(sql);
      if (!s) return Fail(Db(s.error()));
      (*s)->Bind(1, name);
      if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    }
    return Ok();
  });
  if (status) RemoveFiles(freed);
  return status;
}

Status ObjectStore::SetVersioning(std::string_view name, std::string_view state) {
  return catalog_.Write([&](Connection& db) -> Status {
    auto s = db.Prepare("UPDATE s3_buckets SET versioning = ? WHERE name = ?");
    if (!s) return Fail(Db(s.error()));
    (*s)->Bind(1, state).Bind(2, name);
    if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    if (db.changes() == 0) return Fail(errors::NoSuchBucket(name));
    return Ok();
  });
}

Result<std::optional<std::string>> ObjectStore::GetConfig(std::string_view bucket,
                                                          std::string_view kind) {
  auto found = catalog_.Read([&](Connection& db) -> DbResult<std::optional<std::string>> {
    auto s = db.Prepare("SELECT body FROM s3_bucket_configs WHERE bucket = ? AND kind = ?");
    if (!s) return tl::unexpected(s.error());
    (*s)->Bind(1, bucket).Bind(2, kind);
    auto row = (*s)->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>((*s)->Text(0));
  });
  if (!found) return Fail(Db(found.error()));
  return std::move(*found);
}

Status ObjectStore::PutConfig(std::string_view bucket, std::string_view kind,
                              std::string_view body) {
  return catalog_.Write([&](Connection& db) -> Status {
    auto s = db.Prepare(
        "INSERT INTO s3_bucket_configs (bucket, kind, body) VALUES (?, ?, ?) "
        "ON CONFLICT(bucket, kind) DO UPDATE SET body = excluded.body");
    if (!s) return Fail(Db(s.error()));
    (*s)->Bind(1, bucket).Bind(2, kind).Bind(3, body);
    if (auto r = (*s)->Run(); !r) {
      if (r.error().value() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Fail(errors::NoSuchBucket(bucket));
      }
      return Fail(Db(r.error()));
    }
    return Ok();
  });
}

Status ObjectStore::DeleteConfig(std::string_view bucket, std::string_view kind) {
  return catalog_.Write([&](Connection& db) -> Status {
    auto s = db.Prepare("DELETE FROM s3_bucket_configs WHERE bucket = ? AND kind = ?");
    if (!s) return Fail(Db(s.error()));
    (*s)->Bind(1, bucket).Bind(2, kind);
    if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    return Ok();
  });
}

// ---- Writing ----

Result<Staged> ObjectStore::Stage(http::BodySource& body,
                                  const std::vector<ChecksumAlgorithm>& checksums,
                                  uint64_t max_size, const DataKey* key) {
  Staged staged;
  staged.file = RandomHex(32);
  staged.temp_path = TempPath(staged.file);
  std::optional<AesCtr> cipher;
  if (key != nullptr) {
    staged.encrypted = true;
    cipher.emplace(BlobKey(*key, staged.file), 0);
  }
  // Bodies start in memory; past the inline limit they spill into the temporary file. Small objects
  // thus never touch the file system (creating and unlinking an inode costs more than the PUT).
  staged.in_memory = true;
  Hasher md5(HashAlgorithm::Md5);
  std::vector<std::pair<ChecksumAlgorithm, std::unique_ptr<Checksummer>>> sums;
  for (auto a : checksums) sums.emplace_back(a, Checksummer::Create(a));
  // Sized to the body when it is small: a 1 MiB buffer per 4 KiB PUT costs more than the PUT.
  size_t buffer_size = kIoChunk;
  if (auto hint = body.size_hint()) {
    buffer_size = static_cast<size_t>(std::clamp<uint64_t>(*hint + 1, 4096, kIoChunk));
  }
  std::string buffer(buffer_size, '\0');
  int fd = -1;
  Status status = Ok();
  for (;;) {
    auto n = body.Read(buffer);
    if (!n) {
      status = Fail(n.error());
      break;
    }
    if (*n == 0) break;
    if (staged.size + *n > max_size) {
      status = Fail(errors::EntityTooLarge());
      break;
    }
    std::string_view chunk(buffer.data(), *n);
    md5.Update(chunk);
    for (auto& [a, c] : sums) c->Update(chunk);
    if (cipher) cipher->Apply(buffer.data(), *n);  // hashes are of the plaintext
    staged.size += *n;
    if (staged.in_memory && staged.size <= inline_limit_) {
      staged.data.append(chunk);
      continue;
    }
    if (staged.in_memory) {
      fd = ::open(staged.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) {
        status = Fail(ErrorCode::InternalError,
                      "cannot create " + staged.temp_path.string() + ": " + std::strerror(errno));
        break;
      }
      staged.in_memory = false;
      status = WriteAll(fd, staged.data.data(), staged.data.size());
      std::string().swap(staged.data);
      if (!status) break;
    }
    status = WriteAll(fd, chunk.data(), chunk.size());
    if (!status) break;
  }
  if (fd >= 0) {
    if (status && strict_ && ::fsync(fd) != 0) {
      status = Fail(ErrorCode::InternalError, "fsync failed");
    }
    ::close(fd);
  }
  if (!status) {
    Discard(staged);
    return Fail(status.error());
  }
  staged.md5 = md5.Final();
  for (auto& [a, c] : sums) staged.checksums[a] = c->Final();
  return staged;
}

Status ObjectStore::Materialize(Staged& staged) {
  if (!staged.in_memory) return Ok();
  int fd = ::open(staged.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::InternalError,
                "cannot create " + staged.temp_path.string() + ": " + std::strerror(errno));
  }
  Status status = WriteAll(fd, staged.data.data(), staged.data.size());
  if (status && strict_ && ::fsync(fd) != 0) {
    status = Fail(ErrorCode::InternalError, "fsync failed");
  }
  ::close(fd);
  staged.in_memory = false;
  std::string().swap(staged.data);
  if (!status) Discard(staged);
  return status;
}

Result<Staged> ObjectStore::StageCopy(const ObjectRecord& source, uint64_t offset, uint64_t length,
                                      const std::vector<ChecksumAlgorithm>& checksums,
                                      const DataKey* source_key, const DataKey* key) {
  auto reader = Open(source, offset, length, source_key);
  if (!reader) {
    return Fail(ErrorCode::InternalError, "the source object changed while being copied");
  }
  // Through the same path as uploads: hashes are needed anyway, and page-cache copies of local
  // files run at memory speed.
  class ProducerSource final : public http::BodySource {
   public:
    explicit ProducerSource(http::BodyProducer& p) : p_(p) {}
    Result<size_t> Read(std::span<char> buffer) override { return p_.Read(buffer); }

   private:
    http::BodyProducer& p_;
  } source_body(*reader);
  return Stage(source_body, checksums, UINT64_MAX, key);
}

void ObjectStore::Discard(const Staged& staged) {
  if (staged.in_memory) return;
  std::error_code ec;
  fs::remove(staged.temp_path, ec);
}

Status ObjectStore::Publish(const Staged& staged) {
  fs::path target = DataPath(staged.file);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (::rename(staged.temp_path.c_str(), target.c_str()) != 0) {
    return Fail(ErrorCode::InternalError,
                "cannot publish object data: " + std::string(std::strerror(errno)));
  }
  if (strict_) {
    int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return Ok();
}

void ObjectStore::RemoveFiles(const std::vector<std::string>& files) {
  if (!files.empty()) leases_->Remove(files);
}

Result<ObjectRecord> ObjectStore::CommitObject(const Bucket& bucket, std::string_view key,
                                               Staged staged, ObjectRecord record,
                                               const WriteConditions& conditions) {
  if (staged.in_memory) {
    record.is_inline = true;
    // Encrypted rows start with their blob id: it names their key.
    record.inline_data = staged.encrypted ? HexDecode(staged.file).value_or(std::string()) : "";
    record.inline_data += staged.data;
    record.segments.clear();
  } else {
    if (auto published = Publish(staged); !published) {
      Discard(staged);
      return Fail(published.error());
    }
    record.is_inline = false;
    record.segments = {Segment{staged.file, staged.size}};
  }
  record.bucket = bucket.name;
  record.key = std::string(key);
  record.size = staged.size;
  record.last_modified = clock_.Now();
  record.latest = true;
  record.delete_marker = false;
  std::vector<std::string> freed;
  auto committed = catalog_.Write([&](Connection& db) -> Result<ObjectRecord> {
    auto current_bucket = FindBucket(db, bucket.name);
    if (!current_bucket) return Fail(Db(current_bucket.error()));
    if (!*current_bucket) return Fail(errors::NoSuchBucket(bucket.name));
    auto current = FindVersion(db, bucket.name, key, std::nullopt);
    if (!current) return Fail(Db(current.error()));
    GUREUM_RETURN_IF_ERROR(CheckWriteConditions(*current, key, conditions));
    record.version_id = (*current_bucket)->versioning == "Enabled" ? NewVersionId() : "null";
    record.seq = NextSeq();
    auto room = MakeRoom(db, bucket.name, key, record.version_id);
    if (!room) return Fail(Db(room.error()));
    freed = std::move(*room);
    if (auto r = InsertObject(db, record); !r) return Fail(Db(r.error()));
    return record;
  });
  if (!committed) {
    if (!record.is_inline) RemoveFiles({staged.file});
    return committed;
  }
  RemoveFiles(freed);
  return committed;
}

Status ObjectStore::UpdateMeta(const ObjectRecord& record, const json& meta) {
  return catalog_.Write([&](Connection& db) -> Status {
    auto s = db.Prepare(
        "UPDATE s3_objects SET meta = ? WHERE bucket = ? AND key = ? AND version_id = ?");
    if (!s) return Fail(Db(s.error()));
    (*s)->Bind(1, meta.dump(-1, ' ', false, json::error_handler_t::replace))
        .Bind(2, record.bucket)
        .Bind(3, record.key)
        .Bind(4, record.version_id);
    if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    if (db.changes() == 0) return Fail(errors::NoSuchVersion(record.key, record.version_id));
    return Ok();
  });
}

// ---- Reading ----

Result<ObjectRecord> ObjectStore::GetObject(std::string_view bucket, std::string_view key,
                                            std::optional<std::string_view> version_id) {
  auto found = catalog_.Read([&](Connection& db) -> Result<ObjectRecord> {
    auto b = FindBucket(db, bucket);
    if (!b) return Fail(Db(b.error()));
    if (!*b) return Fail(errors::NoSuchBucket(bucket));
    auto r = FindVersion(db, bucket, key, version_id);
    if (!r) return Fail(Db(r.error()));
    if (!*r) {
      if (version_id) return Fail(errors::NoSuchVersion(key, *version_id));
      return Fail(errors::NoSuchKey(key));
    }
    return std::move(**r);
  });
  return found;
}

namespace {

// The plaintext of [offset, offset+length) of an inline object, or nullopt when the record
// was not loaded with its bytes (listings) or does not match the key's presence.
std::optional<std::string> InlineBytes(const ObjectRecord& record, uint64_t offset, uint64_t length,
                                       const DataKey* key) {
  size_t prefix = key != nullptr ? kInlineIdSize : 0;
  if (record.inline_data.size() != record.size + prefix || offset + length > record.size) {
    return std::nullopt;
  }
  std::string out = record.inline_data.substr(prefix + offset, length);
  if (key != nullptr) {
    std::string blob_id = HexEncode(std::string_view(record.inline_data).substr(0, prefix));
    AesCtr(BlobKey(*key, blob_id), offset).Apply(out.data(), out.size());
  }
  return out;
}

}  // namespace

std::unique_ptr<http::BodyProducer> ObjectStore::Open(const ObjectRecord& record, uint64_t offset,
                                                      uint64_t length, const DataKey* key) {
  if (record.is_inline) {
    auto bytes = InlineBytes(record, offset, length, key);
    if (!bytes) return nullptr;
    return std::make_unique<InlineReader>(std::move(*bytes));
  }
  auto reader = std::make_unique<SegmentReader>(*this, record.segments, offset, length, key);
  // A commit may have removed a file between reading the record and taking the lease.
  if (!reader->Valid()) return nullptr;
  return reader;
}

Result<std::string> ObjectStore::Read(const ObjectRecord& record, uint64_t offset, uint64_t length,
                                      const DataKey* key) {
  if (record.is_inline) {
    auto bytes = InlineBytes(record, offset, length, key);
    if (!bytes) return Fail(ErrorCode::InternalError, "object bytes were not loaded");
    return std::move(*bytes);
  }
  // No existence check up front: a file removed since the record was read fails the read,
  // and callers read the record again.
  auto reader = std::make_unique<SegmentReader>(*this, record.segments, offset, length, key);
  std::string out(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < out.size()) {
    GUREUM_TRY(size_t n, reader->Read(std::span(out.data() + got, out.size() - got)));
    if (n == 0) break;
    got += n;
  }
  out.resize(got);
  return out;
}

// ---- Deleting ----

Result<DeleteOutcome> ObjectStore::DeleteObject(const Bucket& bucket, std::string_view key,
                                                std::optional<std::string_view> version_id) {
  std::vector<std::string> freed;
  auto outcome = catalog_.Write([&](Connection& db) -> Result<DeleteOutcome> {
    auto b = FindBucket(db, bucket.name);
    if (!b) return Fail(Db(b.error()));
    if (!*b) return Fail(errors::NoSuchBucket(bucket.name));
    DeleteOutcome out;
    auto remove_version = [&](const ObjectRecord& r) -> Status {
      for (const auto& s : r.segments) freed.push_back(s.file);
      auto del =
          db.Prepare("DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?");
      if (!del) return Fail(Db(del.error()));
      (*del)->Bind(1, r.bucket).Bind(2, r.key).Bind(3, r.version_id);
      if (auto x = (*del)->Run(); !x) return Fail(Db(x.error()));
      if (!r.latest) return Ok();
      // The newest remaining version becomes the current one.
      auto promote = db.Prepare(
          "UPDATE s3_objects SET latest = 1 WHERE bucket = ? AND key = ? AND seq = "
          "(SELECT MAX(seq) FROM s3_objects WHERE bucket = ? AND key = ?)");
      if (!promote) return Fail(Db(promote.error()));
      (*promote)->BindAll(r.bucket, r.key, r.bucket, r.key);
      if (auto x = (*promote)->Run(); !x) return Fail(Db(x.error()));
      return Ok();
    };
    if (version_id) {
      auto r = FindVersion(db, bucket.name, key, *version_id);
      if (!r) return Fail(Db(r.error()));
      out.version_id = std::string(*version_id);
      if (!*r) return out;  // S3 answers 204 for a version that is not there
      out.delete_marker = (*r)->delete_marker;
      GUREUM_RETURN_IF_ERROR(remove_version(**r));
      return out;
    }
    const std::string& versioning = (*b)->versioning;
    if (versioning.empty()) {
      auto r = FindVersion(db, bucket.name, key, std::string_view("null"));
      if (!r) return Fail(Db(r.error()));
      if (*r) GUREUM_RETURN_IF_ERROR(remove_version(**r));
      return out;
    }
    // Versioned: a delete marker becomes the current version.
    ObjectRecord marker;
    marker.bucket = bucket.name;
    marker.key = std::string(key);
    marker.version_id = versioning == "Enabled" ? NewVersionId() : "null";
    marker.seq = NextSeq();
    marker.latest = true;
    marker.delete_marker = true;
    marker.last_modified = clock_.Now();
    marker.etag = "";
    auto room = MakeRoom(db, bucket.name, key, marker.version_id);
    if (!room) return Fail(Db(room.error()));
    freed = std::move(*room);
    if (auto r = InsertObject(db, marker); !r) return Fail(Db(r.error()));
    out.version_id = marker.version_id;
    out.delete_marker = true;
    return out;
  });
  if (outcome) RemoveFiles(freed);
  return outcome;
}

// ---- Listing ----

Result<ListResult> ObjectStore::List(std::string_view bucket, const ListQuery& q) {
  auto listed = catalog_.Read([&](Connection& db) -> Result<ListResult> {
    auto b = FindBucket(db, bucket);
    if (!b) return Fail(Db(b.error()));
    if (!*b) return Fail(errors::NoSuchBucket(bucket));
    ListResult out;
    if (q.max_keys <= 0) return out;
    // Walk keys in byte order from the later of start-after and the prefix; a delimiter folds a
    // run of keys into one common prefix, and the walk jumps past it.
    std::string cursor = std::max(q.start_after, q.prefix);
    bool inclusive = q.start_after < q.prefix;
    int found = 0;
    constexpr int kBatch = 256;
    for (;;) {
      auto s = db.Prepare(
          inclusive ? std::string("SELECT ") + kListColumns +
                          " FROM s3_objects WHERE bucket = ? AND latest = 1 AND delete_marker = 0 "
                          "AND key >= ? ORDER BY key LIMIT ?"
                    : std::string("SELECT ") + kListColumns +
                          " FROM s3_objects WHERE bucket = ? AND latest = 1 AND delete_marker = 0 "
                          "AND key > ? ORDER BY key LIMIT ?");
      if (!s) return Fail(Db(s.error()));
      (*s)->Bind(1, bucket).Bind(2, cursor).Bind(3, kBatch);
      auto rows = Rows<ObjectRecord>(**s, ReadObject);
      if (!rows) return Fail(Db(rows.error()));
      if (rows->empty()) return out;
      bool jumped = false;
      for (auto& r : *rows) {
        if (!StartsWith(r.key, q.prefix)) return out;
        std::string_view rest = std::string_view(r.key).substr(q.prefix.size());
        size_t d = q.delimiter.empty() ? std::string_view::npos : rest.find(q.delimiter);
        std::string entry;
        bool is_prefix = d != std::string_view::npos;
        if (is_prefix) entry = q.prefix + std::string(rest.substr(0, d + q.delimiter.size()));
        if (found == q.max_keys) {
          out.truncated = true;
          return out;
        }
        if (is_prefix) {
          if (entry != q.start_after) {
            out.common_prefixes.push_back(entry);
            ++found;
            out.next_marker = entry;
          }
          // Skip every key under this prefix.
          std::string next = PrefixSuccessor(entry);
          if (next.empty()) return out;
          cursor = next;
          inclusive = true;
          jumped = true;
          break;
        }
        out.next_marker = r.key;
        cursor = r.key;
        inclusive = false;
        out.objects.push_back(std::move(r));
        ++found;
      }
      if (!jumped && static_cast<int>(rows->size()) < kBatch) return out;
    }
  });
  return listed;
}

Result<VersionListResult> ObjectStore::ListVersions(std::string_view bucket,
                                                    const VersionListQuery& q) {
  auto listed = catalog_.Read([&](Connection& db) -> Result<VersionListResult> {
    auto b = FindBucket(db, bucket);
    if (!b) return Fail(Db(b.error()));
    if (!*b) return Fail(errors::NoSuchBucket(bucket));
    VersionListResult out;
    if (q.max_keys <= 0) return out;
    // Keys in order, versions newest first. Loaded per key: version counts are small.
    auto keys_after = [&](const std::string& after, bool inclusive) -> DbResult<std::string> {
      auto s = db.Prepare(inclusive ? "SELECT key FROM s3_objects WHERE bucket = ? AND key >= ? "
                                      "ORDER BY key LIMIT 1"
                                    : "SELECT key FROM s3_objects WHERE bucket = ? AND key > ? "
                                      "ORDER BY key LIMIT 1");
      if (!s) return tl::unexpected(s.error());
      (*s)->Bind(1, bucket).Bind(2, after);
      auto row = (*s)->Step();
      if (!row) return tl::unexpected(row.error());
      return *row ? (*s)->Text(0) : std::string("\xff\xff\xff\xff");
    };
    std::string cursor = std::max(q.key_marker, q.prefix);
    bool inclusive = q.key_marker < q.prefix;
    bool resume_in_key =
        !q.version_id_marker.empty() && !q.key_marker.empty() && q.key_marker >= q.prefix;
    if (resume_in_key) inclusive = true;
    int found = 0;
    for (;;) {
      auto key = keys_after(cursor, inclusive);
      if (!key) return Fail(Db(key.error()));
      if (*key == "\xff\xff\xff\xff" || !StartsWith(*key, q.prefix)) return out;
      std::string_view rest = std::string_view(*key).substr(q.prefix.size());
      size_t d = q.delimiter.empty() ? std::string_view::npos : rest.find(q.delimiter);
      if (d != std::string_view::npos) {
        std::string entry = q.prefix + std::string(rest.substr(0, d + q.delimiter.size()));
        if (found == q.max_keys) {
          out.truncated = true;
          return out;
        }
        if (entry != q.key_marker) {
          out.common_prefixes.push_back(entry);
          ++found;
          out.next_key_marker = entry;
          out.next_version_id_marker.clear();
        }
        std::string next = PrefixSuccessor(entry);
        if (next.empty()) return out;
        cursor = next;
        inclusive = true;
        resume_in_key = false;
        continue;
      }
      auto s = db.Prepare(std::string("SELECT ") + kListColumns +
                          " FROM s3_objects WHERE bucket = ? AND key = ? ORDER BY seq DESC");
      if (!s) return Fail(Db(s.error()));
      (*s)->Bind(1, bucket).Bind(2, *key);
      auto versions = Rows<ObjectRecord>(**s, ReadObject);
      if (!versions) return Fail(Db(versions.error()));
      bool skipping = resume_in_key && *key == q.key_marker;
      for (auto& v : *versions) {
        if (skipping) {
          if (v.version_id == q.version_id_marker) skipping = false;
          continue;
        }
        if (found == q.max_keys) {
          out.truncated = true;
          return out;
        }
        out.next_key_marker = v.key;
        out.next_version_id_marker = v.version_id;
        out.versions.push_back(std::move(v));
        ++found;
      }
      cursor = *key;
      inclusive = false;
      resume_in_key = false;
    }
  });
  return listed;
}

// ---- Multipart uploads ----

Result<Upload> ObjectStore::CreateUpload(const Bucket& bucket, std::string_view key, json meta) {
  Upload upload;
  upload.upload_id = RandomChars(64, kBase62);
  upload.bucket = bucket.name;
  upload.key = std::string(key);
  upload.initiated = clock_.Now();
  upload.meta = std::move(meta);
  auto status = catalog_.Write([&](Connection& db) -> Status {
    auto s = db.Prepare(
        "INSERT INTO s3_uploads (upload_id, bucket, key, initiated, meta) VALUES (?, ?, ?, ?, ?)");
    if (!s) return Fail(Db(s.error()));
    (*s)->BindAll(upload.upload_id, upload.bucket, upload.key, Iso(upload.initiated),
                  upload.meta.dump(-1, ' ', false, json::error_handler_t::replace));
    if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    return Ok();
  });
  if (!status) return Fail(status.error());
  return upload;
}

Result<Upload> ObjectStore::GetUpload(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id) {
  auto found = catalog_.Read([&](Connection& db) -> Result<Upload> {
    auto s = db.Prepare(
        "SELECT upload_id, bucket, key, initiated, meta FROM s3_uploads WHERE upload_id = ?");
    if (!s) return Fail(Db(s.error()));
    (*s)->Bind(1, upload_id);
    auto row = (*s)->Step();
    if (!row) return Fail(Db(row.error()));
    if (!*row || (*s)->Text(1) != bucket || (*s)->Text(2) != key) {
      return Fail(errors::NoSuchUpload(upload_id));
    }
    Upload u{(*s)->Text(0), (*s)->Text(1), (*s)->Text(2), FromIso((*s)->Text(3)),
             json::parse((*s)->Text(4), nullptr, false)};
    if (!u.meta.is_object()) u.meta = json::object();
    return u;
  });
  return found;
}

Result<PartRecord> ObjectStore::CommitPart(const Upload& upload, int part_number, Staged staged,
                                           json checksum) {
  // Parts become segments of a file-backed object, so even small ones get files.
  GUREUM_RETURN_IF_ERROR(Materialize(staged));
  if (auto published = Publish(staged); !published) {
    Discard(staged);
    return Fail(published.error());
  }
  PartRecord part{part_number,           staged.file,  staged.size,
                  HexEncode(staged.md5), clock_.Now(), std::move(checksum)};
  std::vector<std::string> freed;
  auto status = catalog_.Write([&](Connection& db) -> Status {
    auto exists = db.Prepare("SELECT 1 FROM s3_uploads WHERE upload_id = ?");
    if (!exists) return Fail(Db(exists.error()));
    (*exists)->Bind(1, upload.upload_id);
    auto row = (*exists)->Step();
    if (!row) return Fail(Db(row.error()));
    if (!*row) return Fail(errors::NoSuchUpload(upload.upload_id));
    auto old = db.Prepare("SELECT file FROM s3_parts WHERE upload_id = ? AND number = ?");
    if (!old) return Fail(Db(old.error()));
    (*old)->Bind(1, upload.upload_id).Bind(2, part_number);
    auto previous = Rows<std::string>(**old, [](const Statement& r) { return r.Text(0); });
    if (!previous) return Fail(Db(previous.error()));
    freed = std::move(*previous);
    auto s = db.Prepare(
        "INSERT INTO s3_parts (upload_id, number, file, size, etag, last_modified, checksum) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(upload_id, number) DO UPDATE SET "
        "file = excluded.file, size = excluded.size, etag = excluded.etag, "
        "last_modified = excluded.last_modified, checksum = excluded.checksum");
    if (!s) return Fail(Db(s.error()));
    (*s)->Bind(1, upload.upload_id)
        .Bind(2, part_number)
        .Bind(3, part.file)
        .Bind(4, static_cast<int64_t>(part.size))
        .Bind(5, part.etag)
        .Bind(6, Iso(part.last_modified))
        .Bind(7, part.checksum.is_null() ? "null" : part.checksum.dump());
    if (auto r = (*s)->Run(); !r) return Fail(Db(r.error()));
    return Ok();
  });
  if (!status) {
    RemoveFiles({part.file});
    return Fail(status.error());
  }
  RemoveFiles(freed);
  return part;
}

namespace {

DbResult<std::vector<PartRecord>> LoadParts(Connection& db, std::string_view upload_id) {
  auto s = db.Prepare(
      "SELECT number, file, size, etag, last_modified, checksum FROM s3_parts "
      "WHERE upload_id = ? ORDER BY number");
  if (!s) return tl::unexpected(s.error());
  (*s)->Bind(1, upload_id);
  return Rows<PartRecord>(**s, [](const Statement& r) {
    return PartRecord{static_cast<int>(r.Int(0)),
                      r.Text(1),
                      static_cast<uint64_t>(r.Int(2)),
                      r.Text(3),
                      FromIso(r.Text(4)),
                      json::parse(r.Text(5), nullptr, false)};
  });
}

}  // namespace

Result<std::vector<PartRecord>> ObjectStore::ListParts(const Upload& upload) {
  auto parts = catalog_.Read([&](Connection& db) { return LoadParts(db, upload.upload_id); });
  if (!parts) return Fail(Db(parts.error()));
  return std::move(*parts);
}

Result<ObjectRecord> ObjectStore::CompleteUpload(const Bucket& bucket, const Upload& upload,
                                                 const std::vector<CompletedPart>& parts,
                                                 const WriteConditions& conditions) {
  if (parts.empty()) return Fail(errors::MalformedXml());
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].number <= parts[i - 1].number) return Fail(errors::InvalidPartOrder());
  }
  std::vector<std::string> freed;
  auto committed = catalog_.Write([&](Connection& db) -> Result<ObjectRecord> {
    auto exists = db.Prepare("SELECT 1 FROM s3_uploads WHERE upload_id = ?");
    if (!exists) return Fail(Db(exists.error()));
    (*exists)->Bind(1, upload.upload_id);
    auto row = (*exists)->Step();
    if (!row) return Fail(Db(row.error()));
    if (!*row) return Fail(errors::NoSuchUpload(upload.upload_id));
    auto stored = LoadParts(db, upload.upload_id);
    if (!stored) return Fail(Db(stored.error()));
    std::map<int, const PartRecord*> by_number;
    for (const auto& p : *stored) by_number[p.number] = &p;

    ObjectRecord record;
    record.meta = upload.meta;
    std::string md5s;
    json part_sizes = json::array();
    for (size_t i = 0; i < parts.size(); ++i) {
      auto it = by_number.find(parts[i].number);
      if (it == by_number.end() || it->second->etag != UnquoteEtag(parts[i].etag)) {
        return Fail(errors::InvalidPart(std::to_string(parts[i].number), parts[i].etag));
      }
      const PartRecord& p = *it->second;
      if (i + 1 < parts.size() && p.size < min_part_size_) {
        return Fail(errors::EntityTooSmall()
                        .With("ProposedSize", std::to_string(p.size))
                        .With("MinSizeAllowed", std::to_string(min_part_size_))
                        .With("PartNumber", std::to_string(p.number))
                        .With("ETag", p.etag));
      }
      md5s += *HexDecode(p.etag);
      record.segments.push_back(Segment{p.file, p.size});
      record.size += p.size;
      part_sizes.push_back(json{{"PartNumber", p.number}, {"Size", p.size}});
      by_number.erase(it);
    }
    for (const auto& [number, p] : by_number) freed.push_back(p->file);
    record.etag = HexEncode(Md5(md5s)) + "-" + std::to_string(parts.size());
    record.meta["PartSizes"] = part_sizes;

    auto current = FindVersion(db, bucket.name, upload.key, std::nullopt);
    if (!current) return Fail(Db(current.error()));
    GUREUM_RETURN_IF_ERROR(CheckWriteConditions(*current, upload.key, conditions));
    auto current_bucket = FindBucket(db, bucket.name);
    if (!current_bucket) return Fail(Db(current_bucket.error()));
    if (!*current_bucket) return Fail(errors::NoSuchBucket(bucket.name));
    record.bucket = bucket.name;
    record.key = upload.key;
    record.version_id = (*current_bucket)->versioning == "Enabled" ? NewVersionId() : "null";
    record.seq = NextSeq();
    record.latest = true;
    record.last_modified = clock_.Now();
    if (record.meta.contains("StorageClass")) {
      record.storage_class = record.meta["StorageClass"].get<std::string>();
    }
    auto room = MakeRoom(db, bucket.name, upload.key, record.version_id);
    if (!room) return Fail(Db(room.error()));
    for (auto& f : *room) freed.push_back(std::move(f));
    if (auto r = InsertObject(db, record); !r) return Fail(Db(r.error()));
    auto del = db.Prepare("DELETE FROM s3_uploads WHERE upload_id = ?");
    if (!del) return Fail(Db(del.error()));
    (*del)->Bind(1, upload.upload_id);
    if (auto r = (*del)->Run(); !r) return Fail(Db(r.error()));
    return record;
  });
  if (committed) RemoveFiles(freed);
  return committed;
}

Status ObjectStore::AbortUpload(const Upload& upload) {
  std::vector<std::string> freed;
  auto status = catalog_.Write([&](Connection& db) -> Status {
    auto parts = LoadParts(db, upload.upload_id);
    if (!parts) return Fail(Db(parts.error()));
    for (const auto& p : *parts) freed.push_back(p.file);
    auto del = db.Prepare("DELETE FROM s3_uploads WHERE upload_id = ?");
    if (!del) return Fail(Db(del.error()));
    (*del)->Bind(1, upload.upload_id);
    if (auto r = (*del)->Run(); !r) return Fail(Db(r.error()));
    if (db.changes() == 0) return Fail(errors::NoSuchUpload(upload.upload_id));
    return Ok();
  });
  if (status) RemoveFiles(freed);
  return status;
}

Result<std::vector<Upload>> ObjectStore::ListUploads(std::string_view bucket,
                                                     std::string_view prefix) {
  auto found = catalog_.Read([&](Connection& db) -> DbResult<std::vector<Upload>> {
    // Keys compare as bytes; the prefix test is done here rather than with SQL's substr(),
    // which counts characters.
    auto s = db.Prepare(
        "SELECT upload_id, bucket, key, initiated, meta FROM s3_uploads WHERE bucket = ? "
        "AND key >= ? ORDER BY key, initiated");
    if (!s) return tl::unexpected(s.error());
    (*s)->Bind(1, bucket).Bind(2, prefix);
    return Rows<Upload>(**s, [](const Statement& r) {
      Upload u{r.Text(0), r.Text(1), r.Text(2), FromIso(r.Text(3)),
               json::parse(r.Text(4), nullptr, false)};
      if (!u.meta.is_object()) u.meta = json::object();
      return u;
    });
  });
  if (!found) return Fail(Db(found.error()));
  std::erase_if(*found, [&](const Upload& u) { return !StartsWith(u.key, prefix); });
  return std::move(*found);
}

}  // namespace gureum::s3
