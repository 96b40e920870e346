"""Certificate statuses."""


class CertificateStatuses:
    """The statuses a generated certificate can have (reduced)."""

    deleted = "deleted"
    downloadable = "downloadable"
    generating = "generating"
    notpassing = "notpassing"
    regenerating = "regenerating"
    unavailable = "unavailable"
    unverified = "unverified"
    invalidated = "invalidated"

    PASSED_STATUSES = (downloadable, generating, regenerating)

    @classmethod
    def is_passing_status(cls, status):
        return status in cls.PASSED_STATUSES
