// The aws-chunked decoder on untrusted bodies. Input layout:
//   byte 0: options  bit 0 signed chunks, bit 1 trailer, bit 2 x-amz-trailer: x-amz-checksum-crc32,
//                    bit 3 x-amz-decoded-content-length present (bytes 2-3, big-endian)
//   byte 1: seed of the split into pieces
//   then the raw body.
// Signed bodies chain from kSeedSignature under the key of secret "test", scope
// 20240102/us-east-1/s3, date 20240102T030405Z (the seeds in the corpus are signed so).
// The decoder must accept any split of the input: the body is decoded once whole and once in
// pieces, and both runs must reach the same verdict.
//   ./build/dev/tests/fuzz/aws_chunked_fuzz tests/fuzz/corpus/aws_chunked_fuzz

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gureum/core/error.h"

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"

namespace {

using gureum::auth::AwsChunkedOptions;
using gureum::auth::AwsChunkedParser;

constexpr std::string_view kSeedSignature =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

struct Outcome {
  std::string decoded;
  std::optional<std::string> error;  // the code of the first error
  uint64_t decoded_bytes = 0;
  std::vector<std::pair<std::string, std::string>> trailers;
};

AwsChunkedOptions MakeOptions(uint8_t flags, std::optional<uint64_t> decoded_length) {
  static const gureum::Sha256Digest kKey = gureum::auth::DeriveSigningKey(
      "test", gureum::auth::CredentialScope{"20240102", "us-east-1", "s3"});
  AwsChunkedOptions options;
  options.signed_chunks = (flags & 1) != 0;
  options.trailer = (flags & 2) != 0;
  if (options.signed_chunks) {
    options.signing = gureum::auth::ChunkSigning{
        kKey, "20240102T030405Z", {"20240102", "us-east-1", "s3"}, std::string(kSeedSignature)};
  }
  if (flags & 4) options.declared_trailers.push_back("x-amz-checksum-crc32");
  options.decoded_length = decoded_length;
  return options;
}

// Decodes `body` split before each offset in `cuts` (ascending), as a socket would deliver it.
Outcome Decode(const AwsChunkedOptions& options, std::string_view body,
               const std::vector<size_t>& cuts) {
  AwsChunkedParser parser(options);
  Outcome outcome;
  std::string buffer(body);
  size_t start = 0;
  for (size_t i = 0; i <= cuts.size() && !outcome.error; ++i) {
    size_t end = i < cuts.size() ? cuts[i] : buffer.size();
    size_t n = end - start;
    auto produced = parser.Process(buffer.data() + start, n);
    if (!produced) {
      outcome.error = produced.error().code();
    } else {
      if (*produced > n) __builtin_trap();
      outcome.decoded.append(buffer.data() + start, *produced);
    }
    start = end;
  }
  if (!outcome.error) {
    if (auto finished = parser.Finish(); !finished) outcome.error = finished.error().code();
  }
  outcome.decoded_bytes = parser.decoded_bytes();
  outcome.trailers = parser.trailers();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0];
  uint32_t split_seed = data[1];
  size_t offset = 2;
  std::optional<uint64_t> decoded_length;
  if (flags & 8) {
    if (size < 4) return 0;
    decoded_length = (uint64_t{data[2]} << 8) | data[3];
    offset = 4;
  }
  std::string_view body(reinterpret_cast<const char*>(data) + offset, size - offset);
  AwsChunkedOptions options = MakeOptions(flags, decoded_length);

  // Piece sizes from 1 to 64 bytes, drawn from a tiny PRNG seeded by byte 1.
  std::vector<size_t> cuts;
  uint32_t state = split_seed * 2654435761u + 1;
  for (size_t at = 0;;) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    at += 1 + state % 64;
    if (at >= body.size()) break;
    cuts.push_back(at);
  }

  Outcome whole = Decode(options, body, {});
  Outcome pieces = Decode(options, body, cuts);
  // Same verdict either way; on success, the same payload and trailers. (On failure the split run
  // may have released payload from earlier pieces: callers discard a body that fails.)
  if (whole.error != pieces.error) __builtin_trap();
  if (!whole.error) {
    if (whole.decoded != pieces.decoded || whole.trailers != pieces.trailers) __builtin_trap();
    if (whole.decoded_bytes != whole.decoded.size()) __builtin_trap();
  }
  return 0;
}
