//! `iac.aws.launch-config-ebs-unencrypted`: instance volumes without encryption.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.launch-config-ebs-unencrypted",
    name: "Launch configuration or instance EBS volume is not encrypted",
    severity: Severity::Medium,
    framework: "terraform",
    checkov: &["CKV_AWS_8"],
    description: "An unencrypted EBS volume, and every snapshot of it, can be read by whoever gets hold of a snapshot or the volume itself, bypassing the instance's access controls.",
    remediation: "Declare a `root_block_device` and set `encrypted = true` in it and in every `ebs_block_device` (a missing `root_block_device` leaves the root volume to the AMI's default, unencrypted unless EBS encryption by default is on for the account and region).",
    references: &["https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html"],
    example_path: "asg.tf",
    positive: &[
        r#"resource "aws_launch_configuration" "web" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 20
  }
}"#,
        r#"resource "aws_instance" "web" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 100
    encrypted   = false
  }
}"#,
        r#"resource "aws_instance" "bastion" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}"#,
    ],
    negative: &[
        r#"resource "aws_launch_configuration" "web" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 20
    encrypted   = true
  }
}"#,
        r#"resource "aws_instance" "web" {
  ami = "ami-0123456789abcdef0"
  root_block_device {
    encrypted = true
  }
  ebs_block_device {
    device_name = "/dev/sdf"
    snapshot_id = "snap-0123456789abcdef0"
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for owner in super::resources(module, &["aws_launch_configuration", "aws_instance"]) {
        // Without a root_block_device the root volume takes the AMI's
        // default, unencrypted unless the account turned encryption on.
        if owner.blocks("root_block_device").next().is_none() {
            hit(out, &RULE, owner.pos, owner.address());
        }
        for device in owner
            .blocks("root_block_device")
            .chain(owner.blocks("ebs_block_device"))
        {
            match device.attr("encrypted") {
                Some(a) if a.value.as_bool() == Some(false) => hit(out, &RULE, a.pos, owner.address()),
                // A volume from a snapshot inherits the snapshot's encryption.
                None if !device.dynamic && device.attr("snapshot_id").is_none() => {
                    hit(out, &RULE, device.pos, owner.address());
                }
                _ => {}
            }
        }
    }
}
