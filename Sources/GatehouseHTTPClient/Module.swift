// GatehouseHTTPClient: blocking HTTP(S) over libcurl. See CurlHTTPClient.swift.
