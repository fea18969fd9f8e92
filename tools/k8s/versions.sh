# Pinned versions of the Kubernetes manifest check, read by install.sh and validate.sh.
KUSTOMIZE_VERSION=v5.7.1
KUBECONFORM_VERSION=v0.7.0
# The PyPI package whose wheel ships the Kubernetes JSON schemas (1.25 to 1.37), so the check needs no
# download from outside the registries.
KUBERNETES_VALIDATE_VERSION=1.37.0
# The oldest and the newest Kubernetes the manifests are checked against.
KUBERNETES_VERSIONS=(1.30.0 1.37.0)
