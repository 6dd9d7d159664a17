#pragma once
// Browser form uploads to S3 (POST Object): a streaming multipart/form-data reader and the
// POST policy rules (expiration and conditions).
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html)

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::s3 {

// The boundary of a "multipart/form-data; boundary=..." content type, or nullopt.
std::optional<std::string> FormBoundary(std::string_view content_type);

// Reads form fields in order until the "file" field, whose content it then hands out as a
// BodySource without buffering it. Fields after the file are ignored, as S3 ignores them.
class FormReader {
 public:
  FormReader(http::BodySource& body, std::string boundary);

  // Reads the fields before the file. Field names are compared case-insensitively by S3; they
  // are stored lowercased. Errors: MalformedPOSTRequest; a field over 20 KB is refused.
  Status ReadFields();
  const std::map<std::string, std::string>& fields() const { return fields_; }
  // The file part's filename (for ${filename}) and content type.
  const std::string& filename() const { return filename_; }
  const std::string& file_content_type() const { return file_content_type_; }
  // The file's bytes. Valid after ReadFields(); ends at the closing boundary.
  http::BodySource& file() { return file_source_; }
  // Consumes what follows the file (S3 ignores those fields).
  void DrainRest();

 private:
  class FileSource final : public http::BodySource {
   public:
    explicit FileSource(FormReader& reader) : reader_(reader) {}
    Result<size_t> Read(std::span<char> buffer) override;

   private:
    FormReader& reader_;
  };

  // Ensures `n` bytes are buffered (fewer at the end of the body).
  Status Fill(size_t n);
  Result<std::string> ReadLine();
  Result<bool> ReadPartHeaders(std::string& name, std::string& filename, std::string& type);

  http::BodySource& body_;
  std::string delimiter_;  // "\r\n--" + boundary
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool file_done_ = false;
  std::map<std::string, std::string> fields_;
  std::string filename_;
  std::string file_content_type_;
  FileSource file_source_{*this};
};

// Checks a POST policy document against the form: not expired at `now`, every condition
// holds (but content-length-range), and every form field is covered by a condition. `fields`
// are the form fields (lowercased names) plus "bucket". Errors are S3's AccessDenied
// "Invalid according to Policy: ...".
Status CheckPostPolicy(const nlohmann::json& policy,
                       const std::map<std::string, std::string>& fields,
                       std::chrono::system_clock::time_point now);
// The content-length-range condition, once the file's size is known.
Status CheckPostPolicySize(const nlohmann::json& policy, uint64_t file_size);

}  // namespace gureum::s3
