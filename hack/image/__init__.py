"""The operator's OCI image, built without a container engine (`make image`,
`python -m hack.image`): a Debian base made by mmdebstrap (base.py, cached), the dependencies
and the operator installed by pip for the base's python3 (python_layers.py), written as
layers (layer.py) into an OCI image layout and an oci-archive (oci.py, build.py). What goes
into the image and how it runs is defined once, in spec.py."""
