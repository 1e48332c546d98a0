#!/usr/bin/env bash
# Builds the root filesystem of Floe's base image layer from the build's own JDK, so that the images need no
# base image from a registry (they are built FROM scratch):
#   <out>/opt/java/openjdk   a Java runtime made by jlink with only the modules Floe needs (same path as in
#                            eclipse-temurin images, so one entrypoint works on either base)
#   <out>/lib*, /usr/lib*    the shared libraries that runtime links against (glibc, libz, libstdc++...), found
#                            with ldd, as distroless images carry them
#   <out>/etc/passwd, group  user 185 ("floe") and root, so the JVM finds a user name and home
#   <out>/tmp                the JVM's and Vert.x' temporary files
#   <out>/var/lib/floe       the broker's data directory (an empty mount point)
#
# Usage: runtime.sh <java.home> <out-dir> <comma-separated modules>
#        runtime.sh <java.home> <out-dir> none    only the data directory, for a base image that brings its own
#                                                 Java, libraries, /etc/passwd and /tmp (-Djib.from.image=...)
#
# Both images use the same out-dir (the reactor's target/), so the second module reuses what the first made when
# the JDK, the module list and this script are unchanged (a stamp file says so); a lock serialises parallel builds.
set -euo pipefail
java_home="$1"
out="$2"
modules="$3"

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
stamp="$java_home $(cat "$java_home/release" 2>/dev/null | grep '^JAVA_RUNTIME_VERSION' || true) $modules $(cksum < "$0")"
if [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp" ] && [ -x "$out/opt/java/openjdk/bin/java" ]; then
  echo "runtime.sh: $out is up to date"
  exit 0
fi
rm -f "$out.stamp"

if [ "$modules" = none ]; then
  rm -rf "$out"
  mkdir -p "$out/var/lib/floe"
  echo "$stamp" > "$out.stamp"
  exit 0
fi

if [ ! -f "$java_home/jmods/java.base.jmod" ]; then
  echo "runtime.sh: $java_home has no jmods/ (a JRE, or a JDK package without its jmods, e.g. openjdk-17-jmods):" \
       "jlink cannot make the images' Java runtime. Build with a full JDK 17, or skip the images with -Djib.skip" >&2
  exit 1
fi
command -v ldd >/dev/null || { echo "runtime.sh: ldd (glibc's libc-bin) is needed to find the runtime's libraries" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/opt/java" "$out/etc" "$out/tmp" "$out/var/lib/floe" "$out/deployments"
jre="$out/opt/java/openjdk"
# No --compress: the layer is gzipped anyway, and an uncompressed modules file starts faster.
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --output "$jre"

# Some JDK packages (Debian's) make lib/security/* symlinks into /etc: put the real files in the runtime.
for f in "$java_home"/lib/security/*; do
  name=$(basename "$f")
  if [ -L "$jre/lib/security/$name" ] || [ ! -e "$jre/lib/security/$name" ]; then
    rm -f "$jre/lib/security/$name"
    cp -L "$f" "$jre/lib/security/$name" 2>/dev/null || true
  fi
done
find "$jre" -type l | while read -r link; do
  target=$(readlink -f "$link")
  rm -f "$link"
  cp -L "$target" "$link"
done

# Every library the runtime's ELF files need, at the path the dynamic loader finds it on the build machine.
libs=$(find "$jre" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \) -print0 \
  | xargs -0 ldd 2>/dev/null \
  | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(0x/ { print $1 }' | sort -u)
for lib in $libs; do
  case "$lib" in "$jre"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
floe:x:185:0:Floe:/deployments:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
GROUP
echo "$stamp" > "$out.stamp"
echo "runtime.sh: $(du -sh "$out" | cut -f1) in $out (modules: $modules)"
