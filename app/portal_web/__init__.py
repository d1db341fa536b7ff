"""The customer portal web page, served by the API at /portal/: server-rendered HTML over the same
services as the portal API, with a signed session cookie in place of a bearer header."""
