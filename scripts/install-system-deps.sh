#!/usr/bin/env bash
# Install the Debian packages distillwatch needs, only those missing:
# Pango and fonts for WeasyPrint, poppler-utils for rendering PDF pages to PNG in checks,
# PostgreSQL for the test of a Prefect server on PostgreSQL (it starts a cluster of its own),
# and a headless Java runtime (17+) for the dbt `spark` target and its test, unless one is found
# ($JAVA_HOME/bin/java or java on PATH).
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils postgresql)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

# Major version of a java binary ("1.8.0_x" -> 8, "17.0.15" -> 17), 0 when it does not run.
java_major() {
  local version
  version=$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}') || true
  version=${version#1.}
  version=${version%%[!0-9]*}
  echo "${version:-0}"
}
java_bin=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java_bin="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  java_bin=$(command -v java)
fi
need_java=false
if [ -z "$java_bin" ] || [ "$(java_major "$java_bin")" -lt 17 ]; then
  need_java=true
fi

if [ ${#missing[@]} -eq 0 ] && [ "$need_java" = false ]; then
  exit 0
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq

if [ "$need_java" = true ]; then
  # The first JRE the apt sources offer (Spark 4 runs on Java 17 and 21).
  jre=""
  for candidate in openjdk-17-jre-headless openjdk-21-jre-headless default-jre-headless; do
    if apt-cache policy "$candidate" 2>/dev/null | grep -Eq 'Candidate: [0-9]'; then
      jre=$candidate
      break
    fi
  done
  if [ -z "$jre" ]; then
    echo "no Java 17+ runtime found and none in the apt sources (openjdk-17-jre-headless):" \
      "install one and set JAVA_HOME; Spark needs it" >&2
    exit 1
  fi
  missing+=("$jre")
  # slim Debian images leave out man pages; the JRE's post-install step expects this folder
  "${sudo_cmd[@]}" mkdir -p /usr/share/man/man1
fi

echo "installing system packages: ${missing[*]}" >&2
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
