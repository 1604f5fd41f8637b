#!/usr/bin/env bash
# Installs the external tools the tests drive, only when missing (idempotent, fast when everything is there).
set -euo pipefail
cd "$(dirname "$0")/.."

# ceph-mon, ceph-osd, radosgw and ceph-common: a single-node Ceph with the RADOS Gateway for the S3 file store's tests
# (scripts/ceph-rgw.sh); haproxy balances the three-node cluster tests (scripts/haproxy.sh); slapd and ldap-utils are the
# directory of the LDAP sign-in tests (scripts/ldap.sh).
packages=(postgresql litmus rclone cadaver curl chromium nextcloud-desktop-cmd owncloud-client-cmd ceph-mon ceph-osd radosgw ceph-common haproxy slapd ldap-utils openssl)
# node and npm drive the cross-implementation signature tests; the dotnet image ships them, a bare Debian does not.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the cross-implementation signature tests.
if [ -x tests/interop/install.sh ]; then
  tests/interop/install.sh
fi

# npm oidc-provider for the OpenID Connect sign-in tests (tests/Ocm.Tests/Identity start it through the script).
scripts/oidc-provider.sh install
