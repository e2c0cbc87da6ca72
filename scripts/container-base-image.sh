#!/usr/bin/env bash
# Builds the JRE base image for the Jib builds without any container registry: a minimal Debian
# (debootstrap --variant=minbase) with openjdk-17-jre-headless from the Debian mirror, imported
# into podman, then saved as a docker-archive tar that Jib reads with -Djib.from.image=tar://...
#
#   scripts/container-base-image.sh [OUT_TAR]      default target/container/jre-base.tar
#
# A base image already in podman's store is reused (REBUILD_BASE=1 forces a new debootstrap).
# Needs root (debootstrap, podman's store), debootstrap and podman; installs nothing itself.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SUITE (bookworm),
# BASE_IMAGE (promfed/jre-base:17).
set -euo pipefail
cd "$(dirname "$0")/.."

out_tar=${1:-target/container/jre-base.tar}
base_image=${BASE_IMAGE:-promfed/jre-base:17}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}

die() { echo "container-base-image: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root: debootstrap needs it (and the images live in root's podman store)"
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || die "'$tool' not found; install it with: apt-get install -y debootstrap podman runc"
done

if [ "${REBUILD_BASE:-0}" != 1 ] && podman image exists "$base_image"; then
  echo "base image $base_image already built (REBUILD_BASE=1 rebuilds it)"
else
  rootfs=$(mktemp -d -t promfed-jre-rootfs.XXXXXX)
  remove_rootfs() {
    # debootstrap mounts /proc and /sys inside; never let rm descend into them.
    findmnt -rno TARGET | grep "^$rootfs/" | sort -r | xargs -r -n1 umount -l || true
    rm -rf --one-file-system "$rootfs"
  }
  trap remove_rootfs EXIT
  echo "debootstrap $suite + openjdk-17-jre-headless from $mirror ..."
  # minbase: essential packages and apt only; the JRE pulls in what it needs (libc, zlib,
  # ca-certificates-java for TLS to the Kubernetes API).
  debootstrap --variant=minbase --include=openjdk-17-jre-headless "$suite" "$rootfs" "$mirror" \
    >"$rootfs.log" 2>&1 || die "debootstrap failed; see $rootfs.log"
  rm -f "$rootfs.log"
  arch=$(chroot "$rootfs" dpkg --print-architecture)
  java_home=/usr/lib/jvm/java-17-openjdk-$arch
  [ -x "$rootfs$java_home/bin/java" ] || die "no JRE at $java_home in the new root filesystem"
  # Nothing in the image installs packages later: the apt lists and caches, docs and man pages
  # and translations are dead weight.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/info \
    "$rootfs"/usr/share/locale "$rootfs"/var/log/*
  java_version=$(chroot "$rootfs" dpkg-query -W -f '${Version}' openjdk-17-jre-headless)
  tar -C "$rootfs" --numeric-owner -cf - . | podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV JAVA_HOME=$java_home" \
    --change "ENV LANG=C.UTF-8" \
    --change "LABEL org.opencontainers.image.title=promfed-jre-base" \
    --change "LABEL org.opencontainers.image.description=Debian $suite minbase with openjdk-17-jre-headless $java_version" \
    --change "LABEL org.opencontainers.image.version=$java_version" \
    - "$base_image" >/dev/null
  echo "built $base_image (Debian $suite, Java $java_version)"
fi

mkdir -p "$(dirname "$out_tar")"
# docker-archive: the tar format Jib accepts as a base image (it does not read OCI archives).
rm -f "$out_tar"
podman save --quiet --format docker-archive -o "$out_tar" "$base_image"
echo "saved $base_image to $out_tar ($(du -h "$out_tar" | cut -f1))"
