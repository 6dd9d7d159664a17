#include "iam/request.h"

#include <algorithm>

namespace gureum::iam {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

void Context::Set(std::string_view key, std::vector<std::string> values) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(), Lower);
  values_[std::move(lower)] = std::move(values);
}

const std::vector<std::string>* Context::Find(std::string_view key) const {
  // Lookups happen per statement of every policy: lowercase into a stack buffer when the key
  // fits (condition keys are short), avoiding an allocation per lookup.
  char buffer[256];
  std::string heap;
  std::string_view lower;
  if (key.size() <= sizeof buffer) {
    std::transform(key.begin(), key.end(), buffer, Lower);
    lower = std::string_view(buffer, key.size());
  } else {
    heap.assign(key);
    std::transform(heap.begin(), heap.end(), heap.begin(), Lower);
    lower = heap;
  }
  auto it = values_.find(lower);
  return it == values_.end() ? nullptr : &it->second;
}

}  // namespace gureum::iam
