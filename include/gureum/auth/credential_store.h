#pragma once
// Maps access key ids to credentials. Sources (providers) are registered by the modules that own
// keys: account root keys (this module), IAM user keys and STS session keys (the IAM module).
// Lookups hit an in-memory cache first, so signature checks on hot paths do not touch SQLite.
//
// Thread safety: all methods are thread-safe.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gureum/auth/principal.h"

namespace gureum::auth {

// A source of credentials. Lookup may block (catalog reads); it is called from worker threads,
// or from an I/O thread only through CredentialStore::FindCached.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  virtual std::optional<Credential> Lookup(std::string_view access_key_id) = 0;
};

class CredentialStore {
 public:
  void AddProvider(std::shared_ptr<CredentialProvider> provider);

  // Cache only: never blocks. nullopt means "not cached" (not "unknown").
  std::optional<Credential> FindCached(std::string_view access_key_id) const;
  // Cache, then providers in order; caches the answer (including "unknown", briefly). May block.
  std::optional<Credential> Find(std::string_view access_key_id);
  // Drops a key from the cache (its owner changed or deleted it).
  void Invalidate(std::string_view access_key_id);
  void InvalidateAll();

 private:
  struct Entry {
    std::optional<Credential> credential;  // nullopt: known to be unknown
    std::chrono::steady_clock::time_point cached_at;
  };
  std::vector<std::shared_ptr<CredentialProvider>> providers_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace gureum::auth
