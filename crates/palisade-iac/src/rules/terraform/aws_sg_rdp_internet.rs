//! `iac.aws.security-group-rdp-from-internet`: RDP (port 3389) open to 0.0.0.0/0.

use palisade_domain::{RuleMatch, Severity, StaticRule};

use super::aws_ingress_open_on;
use crate::rules::hit;
use crate::terraform::Module;

pub(crate) static RULE: StaticRule = StaticRule {
    id: "iac.aws.security-group-rdp-from-internet",
    name: "Security group allows RDP from the internet",
    severity: Severity::High,
    framework: "terraform",
    checkov: &["CKV_AWS_25"],
    description: "Ingress on port 3389 from 0.0.0.0/0 (or ::/0) exposes every instance in the group to credential brute force and to exploits of the RDP service from anywhere.",
    remediation: "Limit `cidr_blocks` to known administrator ranges, or close the port and use AWS Systems Manager Session Manager or EC2 Instance Connect Endpoint.",
    references: &[
        "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html",
    ],
    example_path: "sg.tf",
    positive: &[
        r#"resource "aws_security_group" "admin" {
  name = "admin"
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        r#"resource "aws_security_group_rule" "all" {
  type              = "ingress"
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.admin.id
}"#,
        r#"resource "aws_vpc_security_group_ingress_rule" "admin" {
  security_group_id = aws_security_group.admin.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 3389
  ip_protocol       = "tcp"
  to_port           = 3389
}"#,
    ],
    negative: &[
        r#"resource "aws_security_group" "admin" {
  name = "admin"
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}"#,
        r#"resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
    ],
};

pub(crate) fn check(module: &Module, out: &mut Vec<RuleMatch>) {
    for (pos, subject) in aws_ingress_open_on(module, 3389) {
        hit(out, &RULE, pos, subject);
    }
}
