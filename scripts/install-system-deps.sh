#!/bin/sh
# Install what tfdojo needs from the system: the Debian font packages that carry
# Latin A-J (notMNIST is rendered from them); with --browser also Debian's chromium
# and chromium-driver (the report tests open pages in it, the play test drives its page
# through Selenium); with --texlive-extra also texlive-fonts-extra
# (~4,000 more faces, a 509 MB download, hence opt-in). Needs root on Debian/Ubuntu;
# elsewhere it says how to add fonts and exits 0: tfdojo then uses the system's
# fonts, matplotlib's bundled ones and any `tfdojo data build --fonts DIR`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
browser=no
extra=no
for arg in "$@"; do
  case "$arg" in
    --browser) browser=yes ;;
    --texlive-extra) extra=yes ;;
    *) echo "install-system-deps: unknown option '$arg'; expected --browser or --texlive-extra" >&2; exit 2 ;;
  esac
done

pkgs=$(awk '!/^#/ && NF && $1 != "matplotlib" {print $1}' "$here/debian-latin-font-packages.txt")
pkgs="$pkgs fontconfig"
[ "$browser" = yes ] && pkgs="$pkgs chromium chromium-driver"
[ "$extra" = yes ] && pkgs="$pkgs texlive-fonts-extra"

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian/Ubuntu system; using the fonts already installed."
  echo "  More fonts = better data: install font packages, or run 'tfdojo data build --fonts DIR'."
  exit 0
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  n=$(echo $missing | wc -w)
  echo "install-system-deps: $n Debian packages missing and not root; to install them:"
  echo "  sudo sh scripts/install-system-deps.sh $*"
  echo "  (continuing with the fonts already installed)"
  exit 0
fi
echo "install-system-deps: installing $(echo $missing | wc -w) Debian packages..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-system-deps: done."
