#include "gureum/service/service.h"

namespace gureum::service {

void ServiceRegistry::Register(ServiceModule module) { modules_.push_back(std::move(module)); }

const ServiceModule* ServiceRegistry::Find(std::string_view model_key) const {
  for (const auto& m : modules_) {
    if (m.model_key == model_key) return &m;
  }
  return nullptr;
}

const OperationSpec* ServiceRegistry::FindOperation(std::string_view model_key,
                                                    std::string_view name) const {
  const ServiceModule* module = Find(model_key);
  if (module == nullptr) return nullptr;
  for (const auto& op : module->operations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

}  // namespace gureum::service
