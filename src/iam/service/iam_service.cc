#include "iam/service/iam_service.h"

#include "iam/service/iam_access_keys.h"
#include "iam/service/iam_store.h"

namespace gureum::iam {

Result<std::shared_ptr<auth::CredentialProvider>> RegisterIam(service::ServiceRegistry& registry,
                                                              catalog::Catalog& catalog,
                                                              auth::CredentialStore& credentials) {
  GUREUM_RETURN_IF_ERROR(api::Migrate(catalog));
  auto state = std::make_shared<api::IamState>(api::IamState{catalog, credentials});
  service::ServiceModule module;
  module.model_key = "iam";
  api::AddUserOperations(state, module.operations);
  api::AddAccessKeyOperations(state, module.operations);
  api::AddGroupOperations(state, module.operations);
  api::AddPolicyOperations(state, module.operations);
  api::AddAttachmentOperations(state, module.operations);
  api::AddInlinePolicyOperations(state, module.operations);
  api::AddRoleOperations(state, module.operations);
  api::AddTagOperations(state, module.operations);
  // Every IAM call made with a user's key counts as that key's last use.
  for (auto& op : module.operations) {
    op.handler = [state, handler = std::move(op.handler)](const service::RequestContext& c,
                                                          const nlohmann::json& in) {
      api::RecordLastUsed(*state, c, "iam");
      return handler(c, in);
    };
  }
  module.reset = [&catalog] { return api::Reset(catalog); };
  registry.Register(std::move(module));
  return api::UserKeyProvider(catalog);
}

}  // namespace gureum::iam
