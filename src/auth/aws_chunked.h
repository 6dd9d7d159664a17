#pragma once
// The aws-chunked content encoding of streamed S3 uploads, decoded incrementally:
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD          chunks signed in a chain from the seed signature
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  ... followed by signed trailing headers
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER          plain chunks followed by trailing headers
// Each chunk is "<hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n"; the last has size 0. A
// trailing checksum (x-amz-checksum-*) is recomputed over the decoded bytes and compared.
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
//  .../sigv4-streaming-trailers.html)

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gureum/core/checksum.h"
#include "gureum/core/crypto.h"
#include "gureum/core/error.h"
#include "gureum/http/message.h"

#include "auth/sigv4.h"

namespace gureum::auth {

// What chunk signatures chain from: the request's own signature and signing key.
struct ChunkSigning {
  Sha256Digest signing_key;
  std::string amz_date;
  CredentialScope scope;
  std::string seed_signature;
};

struct AwsChunkedOptions {
  bool signed_chunks = false;           // chunk-signature= required and verified
  bool trailer = false;                 // trailing headers follow the last chunk
  std::optional<ChunkSigning> signing;  // required when signed_chunks
  // Trailing headers the request announced in x-amz-trailer (lowercase names).
  std::vector<std::string> declared_trailers;
  // x-amz-decoded-content-length, when sent: the decoded total must equal it.
  std::optional<uint64_t> decoded_length;
};

// A push parser. Process() decodes in place: payload bytes are moved to the front of the
// buffer. Any input split is accepted, down to one byte at a time.
class AwsChunkedParser {
 public:
  explicit AwsChunkedParser(AwsChunkedOptions options);

  // Decodes `size` raw bytes at `data`; returns how many payload bytes now sit at data[0..n).
  Result<size_t> Process(char* data, size_t size);
  // At the end of the raw body: checks that the encoding ended properly, the decoded length,
  // and the trailing checksum.
  Status Finish();

  bool done() const { return state_ == State::Done; }
  uint64_t decoded_bytes() const { return decoded_; }
  // Trailing headers received (lowercase name, value), without x-amz-trailer-signature.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }

 private:
  enum class State { ChunkHeader, ChunkData, ChunkDataEnd, Trailer, FinalCrlf, Done };

  Status ParseChunkHeader(std::string_view line);
  Status EndChunk();
  Status ParseTrailerLine(std::string_view line);
  Status VerifyChunkSignature(std::string_view chunk_hash_hex);
  Status VerifyTrailerSignature(std::string_view signature);
  Status VerifyTrailingChecksum();

  AwsChunkedOptions options_;
  State state_ = State::ChunkHeader;
  std::string line_;        // partial header / trailer line
  uint64_t remaining_ = 0;  // bytes left in the current chunk's data
  uint64_t chunk_size_ = 0;
  std::string chunk_signature_;
  std::string previous_signature_;
  Hasher chunk_hash_{HashAlgorithm::Sha256};
  uint64_t decoded_ = 0;
  size_t crlf_seen_ = 0;      // of the "\r\n" after chunk data
  std::string trailer_text_;  // canonical trailing headers, for the trailer signature
  bool trailer_signed_ = false;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::optional<ChecksumAlgorithm> trailing_checksum_;
  std::unique_ptr<Checksummer> checksummer_;
};

// The decoded body as a BodySource, pulling raw bytes from `raw`.
class AwsChunkedBodySource final : public http::BodySource {
 public:
  AwsChunkedBodySource(http::BodySource& raw, AwsChunkedOptions options);
  Result<size_t> Read(std::span<char> buffer) override;
  std::optional<uint64_t> size_hint() const override { return decoded_length_; }
  const AwsChunkedParser& parser() const { return parser_; }

 private:
  http::BodySource& raw_;
  std::optional<uint64_t> decoded_length_;
  AwsChunkedParser parser_;
  bool finished_ = false;
};

}  // namespace gureum::auth
