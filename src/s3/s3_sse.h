#pragma once
// Server-side encryption of object bytes, as S3 exposes it:
//  - SSE-C: the client sends an AES-256 key with every request that writes or reads the object.
//    The bytes are encrypted under it; only the key's MD5 is kept, to tell a wrong key (403)
//    from a right one. Without the key the object cannot be read, by anyone.
//  - SSE-S3 (x-amz-server-side-encryption: AES256, and aws:kms accepted and echoed): every
//    object reports it; the bytes are really encrypted, under the daemon's master key, when
//    at-rest encryption is configured.
// What an object was written with is kept in its meta["Sse"]: {"Type":"SSE-C","KeyMD5":...} or
// {"Type":"master"}; absent for plaintext (objects written before at-rest encryption was on).

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"
#include "gureum/http/message.h"

#include "s3/object_store.h"

namespace gureum::s3 {

// A customer-provided key as a request carries it.
struct CustomerKey {
  std::string key;      // raw bytes (exactly 32 on writes)
  std::string key_md5;  // base64 MD5 of `key`, as S3 echoes it
};

// Which headers carry the key: the object's own, or the copy source's (CopyObject,
// UploadPartCopy: x-amz-copy-source-server-side-encryption-customer-*).
enum class KeyHeaders { Object, CopySource };
// Writes need the whole triple; reads accept a key without its MD5, as S3 does.
enum class KeyUse { Write, Read };

// The SSE-C key the request's input (the S3 model's members) carries; nullopt when it carries
// none; InvalidArgument when the headers are incomplete or disagree.
Result<std::optional<CustomerKey>> CustomerKeyFrom(const nlohmann::json& in, KeyHeaders headers,
                                                   KeyUse use);

// The daemon's encryption settings.
struct SseSettings {
  std::optional<DataKey> master;  // loaded when the key file exists (or at-rest creates it)
  bool at_rest = false;           // new objects without SSE-C are encrypted under `master`
};

// Records in `meta` how a new object (or upload) is encrypted, and checks the request's
// x-amz-server-side-encryption against SSE-C. `bucket_default` is the bucket's default
// encryption rule (ApplyServerSideEncryptionByDefault), or null.
Status ApplySse(nlohmann::json& meta, const nlohmann::json& in,
                const std::optional<CustomerKey>& customer, const SseSettings& settings,
                const nlohmann::json& bucket_default);

// The key that encrypts a new blob of an object (or upload) whose meta ApplySse prepared;
// InternalError when that needs the master key and it is gone.
Result<std::optional<DataKey>> KeyForWrite(const nlohmann::json& meta,
                                           const std::optional<CustomerKey>& customer,
                                           const SseSettings& settings);

// The key to read an object with: nullopt for plaintext; InvalidRequest when an SSE-C object is
// read without its key (or a key is sent for another object), AccessDenied for a wrong key.
Result<std::optional<DataKey>> KeyForRead(const nlohmann::json& meta,
                                          const std::optional<CustomerKey>& given,
                                          const SseSettings& settings);

// UploadPart of an upload created with (or without) SSE-C must carry the same key.
Status CheckUploadKey(const nlohmann::json& upload_meta, const std::optional<CustomerKey>& given);

// How an object's encryption is reported: the SSE-C algorithm and key MD5, or
// x-amz-server-side-encryption (and the KMS key id when one was named).
void AddSseHeaders(http::Headers& headers, const nlohmann::json& meta);
// The same as output members of the S3 model, for responses the REST-XML codec writes.
void AddSseMembers(nlohmann::json& out, const nlohmann::json& meta);

// The master key in `path`: 32 bytes. Created (mode 0600, atomically) when absent and `create`;
// nullopt when absent and not `create`.
Result<std::optional<DataKey>> LoadMasterKey(const std::filesystem::path& path, bool create);

}  // namespace gureum::s3
