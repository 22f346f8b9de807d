// Package scim is signet's SCIM 2.0 server (RFC 7643, RFC 7644) under
// /scim/v2: Users, Groups, ServiceProviderConfig, Schemas and
// ResourceTypes, in application/scim+json, with filters
// (eq ne co sw ew pr gt ge lt le, and, or, not, parentheses, value paths)
// and PATCH (add, replace, remove; value-filtered paths) as Okta and
// Entra ID send them. Errors take the SCIM shape (schemas, status,
// scimType, detail).
//
// It translates only: who may provision, what a resource may hold, how
// much one request may ask and what deprovisioning ends are decided by the
// engine (authserver.SCIM). A PATCH is applied to the resource as
// rendered and the result replaces the resource in one store
// transaction, so a refused request changes nothing.
package scim
