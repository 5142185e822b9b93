// The command line: parses the subcommand and its options (flags win over OC5_* environment
// variables), then hands over to the command. Returns the process exit code.
#pragma once

namespace attrition::app {

int Main(int argc, char** argv, const char* version);

}  // namespace attrition::app
