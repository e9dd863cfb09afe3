"""CardDAV (RFC 6352, RFC 6578): resources, reports and sync tokens over the canonical store."""
