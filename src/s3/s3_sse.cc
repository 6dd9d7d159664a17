#include "s3/s3_sse.h"

#include <cerrno>
#include <cstring>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"

#include "s3/s3_errors.h"
#include "s3/s3_internal.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gureum::s3 {
namespace {

using nlohmann::json;

constexpr size_t kKeyBytes = 32;  // AES-256

struct KeyHeaderNames {
  const char* algorithm_member;
  const char* key_member;
  const char* md5_member;
  const char* algorithm_header;
  const char* key_header;
  const char* md5_header;
};

constexpr KeyHeaderNames kObjectHeaders = {"SSECustomerAlgorithm",
                                           "SSECustomerKey",
                                           "SSECustomerKeyMD5",
                                           "x-amz-server-side-encryption-customer-algorithm",
                                           "x-amz-server-side-encryption-customer-key",
                                           "x-amz-server-side-encryption-customer-key-MD5"};
constexpr KeyHeaderNames kCopySourceHeaders = {
    "CopySourceSSECustomerAlgorithm",
    "CopySourceSSECustomerKey",
    "CopySourceSSECustomerKeyMD5",
    "x-amz-copy-source-server-side-encryption-customer-algorithm",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-MD5"};

// S3 decodes the key leniently: characters outside the base64 alphabet are skipped, so a
// mangled key shows up as a wrong MD5 or length rather than a parse error.
std::string LenientBase64Decode(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
        c == '/') {
      clean += c;
    }
  }
  if (clean.size() % 4 == 1) clean.pop_back();
  while (clean.size() % 4 != 0) clean += '=';
  return Base64Decode(clean).value_or(std::string());
}

const json* SseOf(const json& meta) {
  auto it = meta.find("Sse");
  return it != meta.end() && it->is_object() ? &*it : nullptr;
}

bool IsCustomer(const json* sse) { return sse != nullptr && sse->value("Type", "") == "SSE-C"; }

AwsError NeedsKey() {
  return errors::InvalidRequest(
      "The object was stored using a form of Server Side Encryption. The correct parameters must "
      "be provided to retrieve the object.");
}

}  // namespace

Result<std::optional<CustomerKey>> CustomerKeyFrom(const json& in, KeyHeaders headers, KeyUse use) {
  const KeyHeaderNames& n = headers == KeyHeaders::Object ? kObjectHeaders : kCopySourceHeaders;
  auto algorithm = OptStr(in, n.algorithm_member);
  auto key = OptStr(in, n.key_member);
  auto md5 = OptStr(in, n.md5_member);
  if (!algorithm && !key && !md5) return std::optional<CustomerKey>();
  const std::string prefix =
      "Requests specifying Server Side Encryption with Customer provided keys must provide ";
  if (!algorithm) {
    return Fail(errors::InvalidArgument(prefix + "a valid encryption algorithm.",
                                        n.algorithm_header, "null"));
  }
  if (*algorithm != "AES256") {
    return Fail(errors::InvalidArgument("The encryption algorithm specified is not valid.",
                                        n.algorithm_header, *algorithm));
  }
  if (!key) {
    return Fail(
        errors::InvalidArgument(prefix + "an appropriate secret key.", n.key_header, "null"));
  }
  CustomerKey out;
  out.key = LenientBase64Decode(*key);
  if (out.key.empty()) {
    return Fail(
        errors::InvalidArgument("The secret key was invalid - too short.", n.key_header, "null"));
  }
  out.key_md5 = Base64Encode(Md5(out.key));
  if (!md5) {
    if (use == KeyUse::Write) {
      return Fail(errors::InvalidArgument(prefix + "the client calculated MD5 of the secret key.",
                                          n.md5_header, "null"));
    }
  } else if (!ConstantTimeEquals(*md5, out.key_md5)) {
    return Fail(errors::InvalidArgument(
        "The calculated MD5 hash of the key did not match the hash that was provided.",
        n.md5_header, "null"));
  }
  if (use == KeyUse::Write && out.key.size() != kKeyBytes) {
    return Fail(errors::InvalidArgument("The secret key was invalid for the specified algorithm.",
                                        n.key_header, "null"));
  }
  return std::optional<CustomerKey>(std::move(out));
}

Status ApplySse(json& meta, const json& in, const std::optional<CustomerKey>& customer,
                const SseSettings& settings, const json& bucket_default) {
  meta.erase("Sse");
  meta.erase("ServerSideEncryption");
  meta.erase("SSEKMSKeyId");
  auto method = OptStr(in, "ServerSideEncryption");
  if (method && *method != "AES256" && *method != "aws:kms" && *method != "aws:kms:dsse") {
    return Fail(errors::InvalidArgument("The encryption method specified is not supported",
                                        "x-amz-server-side-encryption", *method));
  }
  if (customer) {
    if (method) {
      return Fail(errors::InvalidArgument(
          "Server Side Encryption with Customer provided key is incompatible with the encryption "
          "method specified",
          "x-amz-server-side-encryption", *method));
    }
    meta["Sse"] = {{"Type", "SSE-C"}, {"KeyMD5", customer->key_md5}};
    return Ok();
  }
  std::optional<std::string> kms_key = OptStr(in, "SSEKMSKeyId");
  if (!method && bucket_default.is_object()) {
    method = bucket_default.value("SSEAlgorithm", std::string("AES256"));
    if (!kms_key && bucket_default.contains("KMSMasterKeyID")) {
      kms_key = bucket_default["KMSMasterKeyID"].get<std::string>();
    }
  }
  if (kms_key && method && *method == "AES256") {
    return Fail(errors::InvalidArgument(
        "Server Side Encryption with AWS KMS managed key requires HTTP header "
        "x-amz-server-side-encryption : aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id", *kms_key));
  }
  meta["ServerSideEncryption"] = method.value_or("AES256");
  if (kms_key && method && *method != "AES256") meta["SSEKMSKeyId"] = *kms_key;
  if (settings.at_rest && settings.master) meta["Sse"] = {{"Type", "master"}};
  return Ok();
}

Result<std::optional<DataKey>> KeyForWrite(const json& meta,
                                           const std::optional<CustomerKey>& customer,
                                           const SseSettings& settings) {
  const json* sse = SseOf(meta);
  if (IsCustomer(sse)) {
    if (!customer) return Fail(NeedsKey());
    return std::optional<DataKey>(DataKey{customer->key});
  }
  if (sse != nullptr && sse->value("Type", "") == "master") {
    if (!settings.master) {
      return Fail(ErrorCode::InternalError,
                  "the upload is encrypted under the S3 master key, which is not available");
    }
    return settings.master;
  }
  return std::optional<DataKey>();
}

Result<std::optional<DataKey>> KeyForRead(const json& meta, const std::optional<CustomerKey>& given,
                                          const SseSettings& settings) {
  const json* sse = SseOf(meta);
  if (IsCustomer(sse)) {
    if (!given) return Fail(NeedsKey());
    if (!ConstantTimeEquals(given->key_md5, sse->value("KeyMD5", ""))) {
      return Fail(errors::AccessDenied());
    }
    return std::optional<DataKey>(DataKey{given->key});
  }
  if (given) {
    return Fail(
        errors::InvalidRequest("The encryption parameters are not applicable to this "
                               "object."));
  }
  if (sse != nullptr && sse->value("Type", "") == "master") {
    if (!settings.master) {
      return Fail(ErrorCode::InternalError,
                  "the object is encrypted under the S3 master key, which is not available");
    }
    return settings.master;
  }
  return std::optional<DataKey>();
}

Status CheckUploadKey(const json& upload_meta, const std::optional<CustomerKey>& given) {
  const json* sse = SseOf(upload_meta);
  if (IsCustomer(sse)) {
    if (!given) {
      return Fail(errors::InvalidRequest(
          "The multipart upload initiate requested encryption. Subsequent part requests must "
          "include the appropriate encryption parameters."));
    }
    if (!ConstantTimeEquals(given->key_md5, sse->value("KeyMD5", ""))) {
      return Fail(errors::InvalidRequest(
          "The provided encryption parameters did not match the ones used originally."));
    }
    return Ok();
  }
  if (given) {
    return Fail(errors::InvalidRequest(
        "The multipart upload initiate did not request encryption; the part request must not "
        "include encryption parameters."));
  }
  return Ok();
}

void AddSseHeaders(http::Headers& headers, const json& meta) {
  json members = json::object();
  AddSseMembers(members, meta);
  static const std::pair<const char*, const char*> kHeaders[] = {
      {"ServerSideEncryption", "x-amz-server-side-encryption"},
      {"SSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"},
      {"SSECustomerAlgorithm", "x-amz-server-side-encryption-customer-algorithm"},
      {"SSECustomerKeyMD5", "x-amz-server-side-encryption-customer-key-MD5"},
  };
  for (const auto& [member, header] : kHeaders) {
    if (members.contains(member)) headers.Add(header, members[member].get<std::string>());
  }
}

void AddSseMembers(json& out, const json& meta) {
  const json* sse = SseOf(meta);
  if (IsCustomer(sse)) {
    out["SSECustomerAlgorithm"] = "AES256";
    out["SSECustomerKeyMD5"] = sse->value("KeyMD5", "");
    return;
  }
  out["ServerSideEncryption"] = meta.value("ServerSideEncryption", std::string("AES256"));
  if (meta.contains("SSEKMSKeyId")) out["SSEKMSKeyId"] = meta["SSEKMSKeyId"];
}

Result<std::optional<DataKey>> LoadMasterKey(const std::filesystem::path& path, bool create) {
  auto read_key = [&]() -> Result<std::optional<DataKey>> {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return std::optional<DataKey>();
      return Fail(ErrorCode::InternalError,
                  "cannot read " + path.string() + ": " + std::strerror(errno));
    }
    std::string key(kKeyBytes + 1, '\0');
    ssize_t got = ::read(fd, key.data(), key.size());
    ::close(fd);
    if (got != static_cast<ssize_t>(kKeyBytes)) {
      return Fail(ErrorCode::InternalError,
                  path.string() + " must hold exactly 32 bytes (the S3 master key)");
    }
    key.resize(kKeyBytes);
    return std::optional<DataKey>(DataKey{std::move(key)});
  };
  GUREUM_TRY(auto existing, read_key());
  if (existing || !create) return existing;

  // Written to a private temporary file and linked into place: a crash leaves either no key
  // or the whole key, and two daemons racing agree on the first one linked.
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::InternalError,
                "cannot create " + temp.string() + ": " + std::strerror(errno));
  }
  std::string key = RandomBytes(kKeyBytes);
  bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  bool linked = written && (::link(temp.c_str(), path.c_str()) == 0 || errno == EEXIST);
  ::unlink(temp.c_str());
  if (!linked) {
    return Fail(ErrorCode::InternalError,
                "cannot create the S3 master key " + path.string() + ": " + std::strerror(errno));
  }
  if (int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return read_key();
}

}  // namespace gureum::s3
