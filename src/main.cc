// gureum: a local AWS cloud in one daemon. Parses the subcommand and hands over; nothing else.

#include <cstdio>
#include <string>
#include <vector>

#include "daemon/iam_cli.h"
#include "daemon/serve.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: gureum <command> [options]\n\n"
               "commands:\n"
               "  serve      run the daemon (gureum serve --help for its options)\n"
               "  accounts   add or list accounts (gureum accounts add|list ...)\n"
               "  iam        policy tools (gureum iam simulate --jsonl FILE [--explain])\n"
               "  version    print the version\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage();
  std::string command = args.front();
  args.erase(args.begin());
  if (command == "serve") return gureum::daemon::Serve(args);
  if (command == "accounts") return gureum::daemon::Accounts(args);
  if (command == "iam") return gureum::daemon::Iam(args);
  if (command == "version" || command == "--version") {
    std::printf("gureum %s\n", gureum::daemon::kVersion);
    return 0;
  }
  return Usage();
}
