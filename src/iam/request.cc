#include "iam/request.h"

#include "gureum/core/encoding.h"

namespace gureum::iam {

void Context::Set(std::string_view key, std::vector<std::string> values) {
  values_[ToLower(key)] = std::move(values);
}

const std::vector<std::string>* Context::Find(std::string_view key) const {
  auto it = values_.find(ToLower(key));
  return it == values_.end() ? nullptr : &it->second;
}

}  // namespace gureum::iam
