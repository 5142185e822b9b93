#!/usr/bin/env bash
# The module layering, checked in CI: each src/<module> may include (and link) only the modules
# below it — base ← domain ← model, base ← store, base ← ops, monitoring above model and store,
# serving above model, store and ops, http above those, app on top.
# Fails naming the file and the include, or the CMake link, that runs the wrong way.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [base]="base"
  [domain]="base domain"
  [model]="base domain model"
  [store]="base store"
  [ops]="base ops"
  [monitoring]="base domain model store monitoring"
  [serving]="base domain model store ops serving"
  [http]="base domain model store monitoring serving ops http"
  [app]="base domain model store monitoring serving ops http app"
)
status=0
for module in "${!allowed[@]}"; do
  # Includes: every "module/..." header named by a file of this module.
  while IFS=: read -r file line text; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$text")
    if [[ " ${allowed[$module]} " != *" $target "* ]]; then
      echo "check-layers: $file:$line: $module must not include $target/ ($text)" >&2
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "src/$module" || true)
  # Links: every attrition_<module> library named in the module's CMakeLists.txt.
  for linked in $(grep -oE 'attrition_[a-z]+' "src/$module/CMakeLists.txt" | sort -u); do
    target=${linked#attrition_}
    if [ "$target" = "warnings" ] || [ "$target" = "module" ]; then continue; fi
    if [[ " ${allowed[$module]} " != *" $target "* ]]; then
      echo "check-layers: src/$module/CMakeLists.txt links $linked, against the layering" >&2
      status=1
    fi
  done
done
# The serving path (the serving and http modules, and what they include, header by header) never
# reaches the trainer or the CSV reader: those are `attrition train`'s.
declare -A includes=() seen=()
while IFS=: read -r file text; do  # one pass: each file's project includes
  [[ $text =~ \"([^\"]+)\" ]] && includes[$file]+=" ${BASH_REMATCH[1]}"
done < <(grep -rE '^#include "[a-z_]+/[a-z_]+\.hpp"' src)
closure() {  # every project header a file includes, directly or not
  local header
  for header in ${includes[$1]:-}; do
    [ -n "${seen[$header]:-}" ] && continue
    seen[$header]=1
    closure "src/$header"
  done
}
for file in src/serving/* src/http/*.?pp src/http/handlers/*; do
  seen=()
  closure "$file"
  for forbidden in model/training.hpp model/technova_reader.hpp model/artifact_writer.hpp; do
    if [ -n "${seen[$forbidden]:-}" ]; then
      echo "check-layers: $file includes $forbidden (directly or through a header):" \
        "the serving path holds neither training nor the CSV reader" >&2
      status=1
    fi
  done
done
[ "$status" -eq 0 ] && echo "check-layers: every include and link follows the layering"
exit "$status"
