#pragma once
// S3's storage engine: object bytes in files under <data>/s3/objects named by generated ids
// (never by key), metadata in the catalog (s3_* tables). A write becomes visible only through
// the catalog transaction that points at a complete, renamed file; a crash at any moment leaves
// the old or the new state, and Open() removes temporary files and unreferenced data files.
//
// Thread safety: all methods are thread-safe; they block (disk, SQLite) and run on workers.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/catalog/catalog.h"
#include "gureum/core/checksum.h"
#include "gureum/core/clock.h"
#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::s3 {

using SystemTime = std::chrono::system_clock::time_point;

struct Bucket {
  std::string name;
  std::string account_id;
  std::string region;
  SystemTime created;
  std::string versioning;  // "", "Enabled" or "Suspended"
  bool object_lock = false;
};

// One file of an object's bytes. Single uploads have one; multipart objects one per part.
struct Segment {
  std::string file;  // data file id
  uint64_t size = 0;
};

struct ObjectRecord {
  std::string bucket;
  std::string key;
  std::string version_id;  // "null" for objects written while versioning was off/suspended
  int64_t seq = 0;         // write order within the bucket
  bool latest = false;
  bool delete_marker = false;
  uint64_t size = 0;
  std::string etag;  // without quotes: hex MD5, or "<hex>-<parts>" for multipart
  SystemTime last_modified;
  std::string storage_class = "STANDARD";
  std::vector<Segment> segments;
  // Small objects live in the catalog row itself: no file to create, open or delete.
  bool is_inline = false;
  std::string inline_data;  // loaded by GetObject only (listings leave it empty)
  // Everything else S3 keeps with an object: "ContentType", "ContentEncoding", ...,
  // "Metadata" (user metadata map), "Checksum" {"Algorithm","Value","Type"}, "Tags", "Acl",
  // "Owner", "PartSizes", "Retention", "LegalHold", "WebsiteRedirectLocation", "Sse"...
  nlohmann::json meta = nlohmann::json::object();
};

// A key that encrypts object bytes at rest (SSE-C: the customer's key; SSE-S3: the daemon's
// master key). Never used directly: every blob (a data file, or an inline row) is encrypted
// with AES-256-CTR under its own key, HMAC-SHA256(base, blob id), so no key stream repeats.
struct DataKey {
  std::string base;  // 32 bytes
};

// Bytes written to a temporary file and not yet visible: the input of a commit.
struct Staged {
  // Bodies of known size up to kInlineLimit stay in memory and are committed into the catalog.
  bool in_memory = false;
  std::string data;
  bool encrypted = false;  // `data` and the file hold ciphertext under the blob key of `file`
  std::filesystem::path temp_path;
  std::string file;  // the id it will have once committed
  uint64_t size = 0;
  std::string md5;                                     // raw digest
  std::map<ChecksumAlgorithm, std::string> checksums;  // raw digests
};

// Preconditions on the object a write replaces (conditional writes).
struct WriteConditions {
  std::optional<std::string> if_match;       // ETag (with or without quotes), or "*"
  std::optional<std::string> if_none_match;  // "*" only, for writes
};

struct ListQuery {
  std::string prefix;
  std::string delimiter;
  std::string start_after;  // exclusive (marker / start-after / continuation)
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectRecord> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_marker;  // last key or prefix returned, when truncated
};

struct VersionListQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 1000;
};

struct VersionListResult {
  std::vector<ObjectRecord> versions;  // newest first within a key; includes delete markers
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

struct DeleteOutcome {
  std::string version_id;      // of the version removed or the delete marker created
  bool delete_marker = false;  // a delete marker was created, or the removed version was one
};

struct Upload {
  std::string upload_id;
  std::string bucket;
  std::string key;
  SystemTime initiated;
  nlohmann::json meta = nlohmann::json::object();  // as ObjectRecord::meta, for the object
};

struct PartRecord {
  int number = 0;
  std::string file;
  uint64_t size = 0;
  std::string etag;  // hex MD5
  SystemTime last_modified;
  nlohmann::json checksum;  // {"Algorithm","Value"} when the upload uses one
};

struct CompletedPart {
  int number = 0;
  std::string etag;         // as the client sent it (quotes optional)
  nlohmann::json checksum;  // the part checksum the client sent, if any
};

// Objects up to this size are stored in the catalog row instead of a file of their own.
inline constexpr uint64_t kInlineLimit = 32 * 1024;

class ObjectStore {
 public:
  ObjectStore(catalog::Catalog& catalog, std::filesystem::path root, bool strict_durability,
              const Clock& clock);
  ~ObjectStore();

  // Creates tables and directories, removes leftover temporary files and data files no record
  // points at (what a crash leaves behind).
  Status Open();
  // Drops every bucket, object, upload and data file.
  Status Reset();

  // Buckets. Errors: BucketAlreadyOwnedByYou / BucketAlreadyExists, NoSuchBucket,
  // BucketNotEmpty.
  Result<Bucket> CreateBucket(Bucket bucket);
  Result<Bucket> GetBucket(std::string_view name);
  Result<std::vector<Bucket>> ListBuckets(std::string_view account_id);
  Status DeleteBucket(std::string_view name);
  Status SetVersioning(std::string_view name, std::string_view status);
  // Bucket sub-resources (tagging, cors, policy, ...), stored as text.
  Result<std::optional<std::string>> GetConfig(std::string_view bucket, std::string_view kind);
  Status PutConfig(std::string_view bucket, std::string_view kind, std::string_view body);
  Status DeleteConfig(std::string_view bucket, std::string_view kind);

  // Writes `body` to a temporary file, computing MD5 and the given checksums on the way.
  // Fails (leaving nothing behind) when the body fails; `max_size` bounds it (EntityTooLarge).
  // With `key`, the bytes are encrypted at rest (MD5 and checksums are of the plaintext).
  Result<Staged> Stage(http::BodySource& body, const std::vector<ChecksumAlgorithm>& checksums,
                       uint64_t max_size, const DataKey* key = nullptr);
  // Copies bytes [offset, offset+length) of an object into a temporary file, decrypting with
  // `source_key` and encrypting with `key` as given.
  Result<Staged> StageCopy(const ObjectRecord& source, uint64_t offset, uint64_t length,
                           const std::vector<ChecksumAlgorithm>& checksums,
                           const DataKey* source_key = nullptr, const DataKey* key = nullptr);
  // Forgets a staged file that will not be committed.
  void Discard(const Staged& staged);

  // Makes staged bytes the current object (or a new version), as the bucket's versioning
  // says. `record` supplies etag, meta and storage class; size, segments, version and times are
  // filled in. Checks `conditions` against the current object inside the commit.
  Result<ObjectRecord> CommitObject(const Bucket& bucket, std::string_view key, Staged staged,
                                    ObjectRecord record, const WriteConditions& conditions);
  // Replaces only the metadata of one version (tags, ACL, retention...).
  Status UpdateMeta(const ObjectRecord& record, const nlohmann::json& meta);

  // The latest version, or a given one. A delete marker is returned as such (callers decide:
  // 404 with x-amz-delete-marker, or 405 when addressed by version).
  Result<ObjectRecord> GetObject(std::string_view bucket, std::string_view key,
                                 std::optional<std::string_view> version_id);
  // Reads [offset, offset+length) as a stream; the files stay readable until it is destroyed
  // even if the object is overwritten or deleted meanwhile. Encrypted objects need the key
  // they were written with (callers check it first: a wrong key yields garbage, not an error).
  std::unique_ptr<http::BodyProducer> Open(const ObjectRecord& record, uint64_t offset,
                                           uint64_t length, const DataKey* key = nullptr);
  // The same, into memory (small objects and ranges).
  Result<std::string> Read(const ObjectRecord& record, uint64_t offset, uint64_t length,
                           const DataKey* key = nullptr);

  Result<DeleteOutcome> DeleteObject(const Bucket& bucket, std::string_view key,
                                     std::optional<std::string_view> version_id);

  Result<ListResult> List(std::string_view bucket, const ListQuery& query);
  Result<VersionListResult> ListVersions(std::string_view bucket, const VersionListQuery& query);

  // Multipart uploads.
  Result<Upload> CreateUpload(const Bucket& bucket, std::string_view key, nlohmann::json meta);
  Result<Upload> GetUpload(std::string_view bucket, std::string_view key,
                           std::string_view upload_id);
  Result<PartRecord> CommitPart(const Upload& upload, int part_number, Staged staged,
                                nlohmann::json checksum);
  Result<std::vector<PartRecord>> ListParts(const Upload& upload);
  // Assembles the listed parts into the object without copying bytes: each part's file becomes
  // a segment. Checks part order, ETags, the minimum part size and `conditions`.
  Result<ObjectRecord> CompleteUpload(const Bucket& bucket, const Upload& upload,
                                      const std::vector<CompletedPart>& parts,
                                      const WriteConditions& conditions);
  Status AbortUpload(const Upload& upload);
  Result<std::vector<Upload>> ListUploads(std::string_view bucket, std::string_view prefix);

  // Every bucket of every account (background work such as lifecycle rules).
  Result<std::vector<Bucket>> ListAllBuckets();
  // Changes one version's storage class (lifecycle transitions).
  Status SetStorageClass(const ObjectRecord& record, std::string_view storage_class);

  // Minimum size of every part but the last (S3: 5 MiB). Settable for tests.
  void set_min_part_size(uint64_t bytes) { min_part_size_ = bytes; }
  // Largest body kept inline (kInlineLimit). Settable for tests of the file-backed path.
  void set_inline_limit(uint64_t bytes) { inline_limit_ = bytes; }

 private:
  class Leases;
  class SegmentReader;

  std::filesystem::path DataPath(std::string_view file) const;
  std::filesystem::path TempPath(std::string_view file) const;
  Status Publish(const Staged& staged);  // temp -> data directory (fsync per durability)
  Status Materialize(Staged& staged);    // an in-memory stage written to its temp file
  void RemoveFiles(const std::vector<std::string>& files);  // after a commit: unreferenced now
  Status RemoveOrphans();

  catalog::Catalog& catalog_;
  std::filesystem::path root_;
  bool strict_;
  const Clock& clock_;
  uint64_t min_part_size_ = 5 * 1024 * 1024;
  uint64_t inline_limit_ = kInlineLimit;
  std::unique_ptr<Leases> leases_;
};

// "<hex>" for an ETag given as "\"<hex>\"" or "<hex>" (header values, XML).
std::string UnquoteEtag(std::string_view etag);

}  // namespace gureum::s3
