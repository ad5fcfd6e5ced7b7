"""Loaded by the moto_server the remediation tests start (PYTHONPATH points here).

Two places where moto differs from AWS in what the executor relies on:

1. moto's CopyImage ignores `TagSpecifications`, which AWS applies at creation to the new AMI
   (`ResourceType=image`) and to the snapshots made for it (`ResourceType=snapshot`). The shim
   applies them, so the executor's tag-at-creation idempotency is tested as it works on AWS.
   It also records the source as AWS reports it (`SourceImageId`, `SourceImageRegion`), where
   moto's serializer picks the attributes up.

2. moto's CopySnapshot looks for the source only among the calling account's own snapshots, so
   a copy into the archive account of a snapshot *shared* with it fails there, while AWS
   allows it. The shim makes moto behave like AWS for that one case: when the source is not
   the caller's, it is looked up in the other accounts of the same region, and used only when
   its createVolumePermission names the calling account (so the tests also prove the share
   was there at copy time).

Everything else is moto's own code.
"""

try:
    from moto.ec2.models import elastic_block_store as _ebs

    _original_copy = _ebs.EBSBackend.copy_snapshot

    def _copy_snapshot(self, source_snapshot_id, source_region, description, kms_key_id):
        from moto.ec2.models import ec2_backends

        own = ec2_backends[self.account_id][source_region]
        if source_snapshot_id in own.snapshots:
            return _original_copy(self, source_snapshot_id, source_region, description, kms_key_id)
        for account_id in list(ec2_backends.keys()):
            if account_id == self.account_id:
                continue
            backend = ec2_backends[account_id][source_region]
            source = backend.snapshots.get(source_snapshot_id)
            if source is None:
                continue
            if self.account_id not in source.create_volume_permission_userids:
                break
            snapshot_id = _ebs.random_snapshot_id()
            snapshot = _ebs.Snapshot(
                self,
                snapshot_id,
                volume=source.volume,
                description=description,
                encrypted=source.encrypted,
                kms_key_id=kms_key_id,
            )
            self.snapshots[snapshot_id] = snapshot
            return snapshot
        return _original_copy(self, source_snapshot_id, source_region, description, kms_key_id)

    _ebs.EBSBackend.copy_snapshot = _copy_snapshot

    from moto.core.responses import ActionResult
    from moto.ec2.responses.amis import AmisResponse

    def _copy_image(self):
        source_image_id = self._get_param("SourceImageId")
        source_region = self._get_param("SourceRegion")
        self.error_on_dryrun()
        image = self.ec2_backend.copy_image(
            source_image_id,
            source_region,
            self._get_param("Name"),
            self._get_param("Description"),
        )
        image.source_image_id = source_image_id
        image.source_image_region = source_region
        for spec in self._get_param("TagSpecifications", []):
            targets = {"image": [image], "snapshot": [image.ebs_snapshot]}.get(
                spec.get("ResourceType"), []
            )
            for target in targets:
                for tag in spec.get("Tags", []):
                    target.add_tag(tag["Key"], tag["Value"])
        return ActionResult({"ImageId": image.id})

    AmisResponse.copy_image = _copy_image
except Exception as error:  # moto missing or changed: tests will say what failed
    import sys

    print(f"snapguard moto shim not applied: {error}", file=sys.stderr)
