#!/usr/bin/env bash
# Runs every test of the workspace on a machine that has only the Rust toolchain and python3:
# it installs what the tests need first.
#   - moto[server] (PyPI): the AWS emulator the live source and the remediation executor are
#     tested against (`moto_server`, started by the tests on loopback), whose AWS managed
#     policies the IAM engine is also tested against;
#   - xmlschema (PyPI), which validates the JUnit report against the Jenkins xUnit plugin's
#     schema (fixtures/schemas/junit-10.xsd), and py-ocsf-models (PyPI), the OCSF models Prowler
#     emits with, which parse every object of the OCSF report as a Detection Finding;
#   - the AWS CLI v1 (PyPI awscli), with which the AWS Batch recipe's S3 key scheme is run
#     against moto's S3 (its botocore validates the Batch job files against AWS's own API
#     model);
#   - kubernetes-validate (PyPI), the published Kubernetes schemas, against which the
#     Kubernetes Job is validated for the versions it says it needs;
#   - Debian's chromium, in which the HTML report is tested (with
#     SNAPGUARD_SKIP_BROWSER_TESTS=1 those tests are skipped, and reported as ignored).
set -euo pipefail
cd "$(dirname "$0")"

# The tests talk to AWS only through the emulator on loopback: never let the SDK's credential
# chain look for instance metadata on the network.
export AWS_EC2_METADATA_DISABLED=true

venv=target/test-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]==5.*' \
  'xmlschema==4.3.2' 'py-ocsf-models==0.10.0' 'awscli==1.*' 'kubernetes-validate==1.31.0'
SNAPGUARD_MOTO_MANAGED_POLICIES=$("$venv/bin/python" -c 'import moto.iam.aws_managed_policies as m; print(m.__file__)')
export SNAPGUARD_MOTO_MANAGED_POLICIES
export PATH="$PWD/$venv/bin:$PATH"

if [ "${SNAPGUARD_SKIP_BROWSER_TESTS:-}" != 1 ]; then
  scripts/install-chromium.sh
fi

cargo test --workspace --locked "$@"
