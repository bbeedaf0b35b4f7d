"""Audit action names live with the specification, in the domain vocabulary."""

from byline.domain.vocabulary import AuditAction

__all__ = ["AuditAction"]
