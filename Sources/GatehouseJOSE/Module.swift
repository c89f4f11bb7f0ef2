// GatehouseJOSE: JWS verification over libcjose. See JWSVerifier.swift.
