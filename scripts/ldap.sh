#!/usr/bin/env bash
# A throw-away OpenLDAP directory (Debian's slapd) on loopback, for tests and for trying LDAP sign-in locally.
#
#   scripts/ldap.sh start PORT      # slapd on ldap://127.0.0.1:PORT with the test entries below
#   scripts/ldap.sh env PORT        # the OCM_IDENTITY__LDAP__… settings an Ocm server needs for it (export lines)
#   scripts/ldap.sh modify PORT     # applies the LDIF on stdin as the directory admin (ldapmodify; changetype: add/delete/modify)
#   scripts/ldap.sh stop PORT
#
# Base dc=example,dc=org; admin cn=admin,dc=example,dc=org with the password `admin-secret` (the service account the
# server binds with); people under ou=people (uid alice, bob, carol: passwords alice-password, bob-password,
# carol-password), groups (groupOfNames) under ou=groups: physics (alice), staff (alice, bob).
#
# The port also takes StartTLS with a certificate for 127.0.0.1 from a CA made at start (/tmp/ocm-ldap-PORT/tls/ca).
#
# Everything lives in /tmp/ocm-ldap-PORT: a slapd.conf (not cn=config, so the package's own instance in
# /etc/ldap/slapd.d is neither read nor touched), the mdb database loaded with slapadd before start, the PID file
# and the log. slapd runs as the calling user (root in CI: it is not told to drop to the `openldap` user, whose
# permissions the folder would then need). stop kills the recorded PID and removes the folder.
set -euo pipefail

base="dc=example,dc=org"
admin="cn=admin,$base"
admin_password="admin-secret"

root() { echo "/tmp/ocm-ldap-$1"; }

stop() {
  local port="$1" r pid
  r="$(root "$port")"
  if [[ -f "$r/slapd.pid" ]]; then
    pid="$(cat "$r/slapd.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$r"
}

entries() {
  cat <<EOF
dn: $base
objectClass: dcObject
objectClass: organization
o: Example University
dc: example

dn: ou=people,$base
objectClass: organizationalUnit
ou: people

dn: ou=groups,$base
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=people,$base
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
sn: Liddell
mail: alice@example.org
userPassword: alice-password

dn: uid=bob,ou=people,$base
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
sn: Builder
mail: bob@example.org
userPassword: bob-password

dn: uid=carol,ou=people,$base
objectClass: inetOrgPerson
uid: carol
cn: Carol Danvers
sn: Danvers
mail: carol@example.org
userPassword: carol-password

dn: cn=physics,ou=groups,$base
objectClass: groupOfNames
cn: physics
member: uid=alice,ou=people,$base

dn: cn=staff,ou=groups,$base
objectClass: groupOfNames
cn: staff
member: uid=alice,ou=people,$base
member: uid=bob,ou=people,$base
EOF
}

tls() {
  local d="$1"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" -out "$d/ca/ca.pem" -days 2 \
      -subj "/CN=Ocm test LDAP CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$d/server.ext" &&
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -CAserial "$d/ca.srl" -out "$d/server.pem" -days 2 -extfile "$d/server.ext" &&
    openssl rehash "$d/ca"
  } >"$d/openssl.log" 2>&1 || { echo "ldap.sh: could not make the test certificates:" >&2; cat "$d/openssl.log" >&2; return 1; }
  chmod 600 "$d/ca.key" "$d/server.key"
}

start() {
  local port="$1" r
  command -v slapd >/dev/null || [[ -x /usr/sbin/slapd ]] || { echo "ldap.sh: slapd is not installed (scripts/install-test-tools.sh)" >&2; return 1; }
  export PATH="$PATH:/usr/sbin"
  stop "$port"
  r="$(root "$port")"
  mkdir -p -m 700 "$r/data" "$r/tls/ca"
  # A CA of its own and a server certificate for 127.0.0.1, so clients can use StartTLS (RFC 4511 §4.14) and check the
  # certificate against $r/tls/ca (OpenSSL's hashed layout; Ocm:Identity:Ldap:TrustedCertificatesDirectory).
  tls "$r/tls" || { stop "$port"; return 1; }
  cat >"$r/slapd.conf" <<EOF
TLSCertificateFile $r/tls/server.pem
TLSCertificateKeyFile $r/tls/server.key
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $r/slapd.pid
argsfile $r/slapd.args

database mdb
suffix "$base"
rootdn "$admin"
rootpw $admin_password
directory $r/data
maxsize 104857600
index objectClass eq
index uid eq
index member eq
# Anyone may bind (simple bind checks userPassword); only the admin reads passwords; bound users read the rest.
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
EOF
  entries | slapadd -q -f "$r/slapd.conf" -b "$base" >"$r/slapadd.log" 2>&1 || { cat "$r/slapadd.log" >&2; stop "$port"; return 1; }
  slapd -f "$r/slapd.conf" -h "ldap://127.0.0.1:$port/" -d 0 >"$r/slapd.log" 2>&1 < /dev/null &
  # -d keeps slapd in the foreground (no fork), so the PID is the one just started even before it writes its PID file.
  echo $! >"$r/slapd.pid"
  for _ in $(seq 1 100); do
    if ldapwhoami -x -H "ldap://127.0.0.1:$port/" -D "$admin" -w "$admin_password" >/dev/null 2>&1; then
      echo "slapd listening on ldap://127.0.0.1:$port (base $base)"
      return 0
    fi
    kill -0 "$(cat "$r/slapd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$(cat "$r/slapd.pid")" 2>/dev/null; then
    echo "slapd did not answer on 127.0.0.1:$port within 10 s:" >&2
  else
    echo "slapd exited at once (is 127.0.0.1:$port taken by another process?):" >&2
  fi
  cat "$r/slapd.log" >&2
  stop "$port"
  return 1
}

env_for() {
  local port="$1"
  cat <<EOF
export OCM_IDENTITY__LDAP__URL="ldap://127.0.0.1:$port"
export OCM_IDENTITY__LDAP__BINDDN="$admin"
export OCM_IDENTITY__LDAP__BINDPASSWORD="$admin_password"
export OCM_IDENTITY__LDAP__USERBASE="ou=people,$base"
export OCM_IDENTITY__LDAP__USERFILTER="(&(objectClass=inetOrgPerson)(uid={0}))"
export OCM_IDENTITY__LDAP__GROUPBASE="ou=groups,$base"
export OCM_IDENTITY__LDAP__GROUPFILTER="(&(objectClass=groupOfNames)(member={0}))"
EOF
}

modify() {
  local port="$1"
  ldapmodify -x -H "ldap://127.0.0.1:$port/" -D "$admin" -w "$admin_password" >/dev/null
}

case "${1:-}" in
  start) [[ "$#" -eq 2 ]] || { echo "usage: $0 start PORT" >&2; exit 2; }; start "$2" ;;
  stop) [[ "$#" -eq 2 ]] || { echo "usage: $0 stop PORT" >&2; exit 2; }; stop "$2" ;;
  env) [[ "$#" -eq 2 ]] || { echo "usage: $0 env PORT" >&2; exit 2; }; env_for "$2" ;;
  modify) [[ "$#" -eq 2 ]] || { echo "usage: $0 modify PORT" >&2; exit 2; }; modify "$2" ;;
  *) echo "usage: $0 start PORT | env PORT | modify PORT | stop PORT" >&2; exit 2 ;;
esac
