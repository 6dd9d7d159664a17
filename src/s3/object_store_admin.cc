// ObjectStore operations for background work rather than requests.

#include "gureum/core/time_format.h"

#include "s3/object_store.h"
#include "s3/s3_errors.h"

namespace gureum::s3 {

Result<std::vector<Bucket>> ObjectStore::ListAllBuckets() {
  auto found =
      catalog_.Read([&](catalog::Connection& db) -> catalog::DbResult<std::vector<Bucket>> {
        auto s = db.Prepare(
            "SELECT name, account_id, region, created_at, versioning, object_lock FROM s3_buckets "
            "ORDER BY name");
        if (!s) return tl::unexpected(s.error());
        std::vector<Bucket> out;
        for (;;) {
          auto row = (*s)->Step();
          if (!row) return tl::unexpected(row.error());
          if (!*row) return out;
          auto created = ParseIso8601((*s)->Text(3));
          out.push_back(Bucket{(*s)->Text(0), (*s)->Text(1), (*s)->Text(2),
                               created ? *created : SystemTime{}, (*s)->Text(4),
                               (*s)->Int(5) != 0});
        }
      });
  if (!found) return Fail(catalog::ToAwsError(found.error()));
  return std::move(*found);
}

Status ObjectStore::SetStorageClass(const ObjectRecord& record, std::string_view storage_class) {
  return catalog_.Write([&](catalog::Connection& db) -> Status {
    auto s = db.Prepare(
        "UPDATE s3_objects SET storage_class = ? WHERE bucket = ? AND key = ? AND version_id = ?");
    if (!s) return Fail(catalog::ToAwsError(s.error()));
    (*s)->Bind(1, storage_class)
        .Bind(2, record.bucket)
        .Bind(3, record.key)
        .Bind(4, record.version_id);
    if (auto r = (*s)->Run(); !r) return Fail(catalog::ToAwsError(r.error()));
    if (db.changes() == 0) return Fail(errors::NoSuchVersion(record.key, record.version_id));
    return Ok();
  });
}

}  // namespace gureum::s3
