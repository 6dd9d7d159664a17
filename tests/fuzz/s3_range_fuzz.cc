// S3's Range header parser on untrusted text, against object sizes taken from the input.
// Input layout: bytes 0-7 an object size (little-endian), then the Range header's value.
// Every answer must describe bytes inside the object, or be InvalidRange; the same header is
// also tried against a few edge sizes (empty, one byte, the input's size modulo 1000, the
// largest size).
//   ./build/dev/tests/fuzz/s3_range_fuzz tests/fuzz/corpus/s3_range_fuzz

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "s3/s3_http.h"

namespace {

void Check(std::string_view header, uint64_t size) {
  auto parsed = gureum::s3::ParseRange(header, size);
  if (!parsed) {
    // Only an unsatisfiable range is an error (416); everything else is "no range".
    if (parsed.error().code() != "InvalidRange" || parsed.error().http_status() != 416) {
      __builtin_trap();
    }
    return;
  }
  if (!*parsed) return;
  const gureum::s3::ByteRange& r = **parsed;
  if (r.length == 0 || r.start >= size || r.length > size - r.start) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t object_size = 0;
  for (int i = 7; i >= 0; --i) object_size = (object_size << 8) | data[i];
  std::string_view header(reinterpret_cast<const char*>(data) + 8, size - 8);
  Check(header, object_size);
  Check(header, 0);
  Check(header, 1);
  Check(header, object_size % 1000);
  Check(header, std::numeric_limits<uint64_t>::max());
  return 0;
}
