import Foundation
import GatehouseHTTPClient
import Synchronization
import Testing

/// CurlHTTPClient against real local servers (TestPeers): plain HTTP, TLS, a refused port.
@Suite struct CurlHTTPClientTests {
    let peers: TestPeers
    let client = CurlHTTPClient(options: HTTPClientOptions())

    init() throws { peers = try TestPeers.get() }

    func get(_ path: String, options: HTTPClientOptions = HTTPClientOptions()) throws(HTTPClientError) -> HTTPClientResponse {
        try CurlHTTPClient(options: options).perform(HTTPClientRequest(url: peers.url(path)))
    }

    // MARK: responses

    @Test func getsJSONWithHeaders() throws {
        let response = try get("/json")
        #expect(response.status == 200)
        #expect(response.body == Array(#"{"ok":true}"#.utf8))
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("CONTENT-TYPE") == "application/json", "names compare without case")
        #expect(response.header("x-twice") == "first", "the first of repeated fields")
        #expect(response.headers.filter { $0.name.lowercased() == "x-twice" }.map(\.value) == ["first", "second"])
        #expect(response.header("x-absent") == nil)
        #expect(!response.headers.contains { $0.name.hasPrefix("HTTP/") }, "the status line is not a header")
    }

    @Test func postsBodyAndHeaders() throws {
        let body = (0..<4096).map { UInt8(truncatingIfNeeded: $0) }  // binary, NUL bytes included
        let request = HTTPClientRequest(method: "POST", url: peers.url("/echo"), headers: [
            (name: "Content-Type", value: "application/x-www-form-urlencoded"),
            (name: "Authorization", value: "Basic Z2F0ZWhvdXNlOnNlY3JldA=="),
            (name: "X-Empty", value: ""),
        ], body: body)
        let response = try client.perform(request)
        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(response.header("x-echo-method") == "POST")
        #expect(response.header("x-echo-content-type") == "application/x-www-form-urlencoded")
        #expect(response.header("x-echo-authorization") == "Basic Z2F0ZWhvdXNlOnNlY3JldA==")
        #expect(response.header("x-echo-x-empty") == "", "an empty value is sent, not dropped")
        #expect(response.header("x-echo-content-length") == "4096")
        #expect(response.header("x-echo-expect") == nil, "no 100-continue round trip")
        #expect(response.header("x-echo-user-agent") == "Gatehouse")
    }

    @Test func postsWithoutABody() throws {
        let response = try client.perform(HTTPClientRequest(method: "POST", url: peers.url("/echo")))
        #expect(response.status == 200 && response.body.isEmpty)
        #expect(response.header("x-echo-content-length") == "0")
    }

    @Test func sendsOtherMethods() throws {
        let put = try client.perform(HTTPClientRequest(method: "PUT", url: peers.url("/echo"), body: Array("v".utf8)))
        #expect(put.header("x-echo-method") == "PUT" && put.body == Array("v".utf8))
        let head = try client.perform(HTTPClientRequest(method: "HEAD", url: peers.url("/json")))
        #expect(head.status == 200 && head.body.isEmpty && head.header("x-head") == "yes")
    }

    @Test func redirectsAreReturnedNotFollowed() throws {
        let response = try get("/redirect")
        #expect(response.status == 302)
        #expect(response.header("location") == peers.url("/json"))
        #expect(response.body == Array("moved".utf8))
        #expect(try get("/redirect-to-file").status == 302)
    }

    @Test func statusesAreResponsesNotErrors() throws {
        let response = try get("/nowhere")
        #expect(response.status == 404 && response.body == Array("not found".utf8))
    }

    @Test func onlyTheFinalResponsesHeadersAreKept() throws {
        let response = try get("/early-hints")
        #expect(response.status == 200 && response.body == Array("final".utf8))
        #expect(response.header("x-final") == "yes")
        #expect(response.header("link") == nil && response.header("x-interim") == nil, "fields of the 103 are dropped")
    }

    @Test func foldedFieldsAreJoined() throws {
        #expect(try get("/folded").header("x-folded") == "one two")
    }

    // MARK: limits

    @Test(arguments: ["/slow", "/trickle"])
    func totalTimeoutStopsTheRequest(_ path: String) throws {
        let options = HTTPClientOptions(totalTimeout: .seconds(1))
        // A timeout error (not the slow answer) shows the limit ended the request.
        let error = try #require(throws: HTTPClientError.self) { try get(path, options: options) }
        #expect(error == .timeout && error.isTimeout)
    }

    @Test func aZeroTimeoutIsNotNoTimeout() throws {
        let options = HTTPClientOptions(connectTimeout: .zero, totalTimeout: .zero)
        #expect(throws: HTTPClientError.timeout) { try get("/slow", options: options) }
    }

    @Test(arguments: ["/huge", "/huge-unannounced"])
    func aLargeBodyIsRefused(_ path: String) throws {
        let error = try #require(throws: HTTPClientError.self) { try get(path) }
        #expect(error == .responseTooLarge && !error.isTimeout)
    }

    @Test func theLimitIsInclusive() throws {
        #expect(try get("/exact-limit", options: HTTPClientOptions(maxResponseBytes: 1024)).body.count == 1024)
        #expect(throws: HTTPClientError.responseTooLarge) { try get("/exact-limit", options: HTTPClientOptions(maxResponseBytes: 1023)) }
    }

    @Test func aFloodOfHeadersIsRefused() {
        #expect(throws: HTTPClientError.responseTooLarge) { try get("/many-headers") }
    }

    // MARK: connections and TLS

    @Test func aClosedPortCannotConnect() throws {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(peers.closed)/token?code=s3cr3t-code")
        let error = try #require(throws: HTTPClientError.self) { try client.perform(request) }
        #expect(error == .couldNotConnect)
        #expect(!error.description.contains("s3cr3t"), "the URL's query is not in the message")
    }

    @Test func tlsVerifiesWithTheGivenCA() throws {
        let client = CurlHTTPClient(options: HTTPClientOptions(caFile: peers.caFile))
        let response = try client.perform(HTTPClientRequest(url: "https://127.0.0.1:\(peers.httpsGood)/json"))
        #expect(response.status == 200 && response.body == Array(#"{"ok":true}"#.utf8))
    }

    @Test func tlsRefusesAnUnknownCA() {
        #expect(throws: HTTPClientError.tls) { try client.perform(HTTPClientRequest(url: "https://127.0.0.1:\(peers.httpsGood)/json")) }
    }

    @Test func tlsRefusesACertificateForAnotherHost() {
        let client = CurlHTTPClient(options: HTTPClientOptions(caFile: peers.caFile))
        #expect(throws: HTTPClientError.tls) { try client.perform(HTTPClientRequest(url: "https://127.0.0.1:\(peers.httpsWrongHost)/json")) }
    }

    @Test func aMissingCAFileIsATLSError() {
        let client = CurlHTTPClient(options: HTTPClientOptions(caFile: "/nonexistent/ca.pem"))
        #expect(throws: HTTPClientError.tls) { try client.perform(HTTPClientRequest(url: "https://127.0.0.1:\(peers.httpsGood)/json")) }
    }

    @Test func plainHTTPToATLSPortFails() {
        #expect(throws: HTTPClientError.self) { try client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(peers.httpsGood)/json")) }
    }

    // MARK: refused before sending

    @Test(arguments: [
        "file:///etc/passwd", "FILE:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1:70/", "dict://127.0.0.1:11211/stat",
        "ldap://127.0.0.1/", "telnet://127.0.0.1:23", "127.0.0.1/json", "//127.0.0.1/json", "", "http:/127.0.0.1/",
    ])
    func onlyHTTPAndHTTPSURLs(_ url: String) {
        #expect(throws: HTTPClientError.invalidURL) { try client.perform(HTTPClientRequest(url: url)) }
    }

    @Test func urlsWithControlCharactersOrSpaces() {
        for url in [peers.url("/json\0.evil"), peers.url("/js on"), peers.url("/json\r\nX-Injected: 1"), peers.url("/\u{7F}")] {
            #expect(throws: HTTPClientError.invalidURL) { try client.perform(HTTPClientRequest(url: url)) }
        }
    }

    @Test func requestsThatCouldBeSplit() {
        let url = peers.url("/echo")
        let refused = [
            HTTPClientRequest(method: "GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET", url: url),
            HTTPClientRequest(method: "", url: url),
            HTTPClientRequest(url: url, headers: [(name: "X-A", value: "1\r\nX-Injected: 1")]),
            HTTPClientRequest(url: url, headers: [(name: "X-A", value: "1\nX-Injected: 1")]),
            HTTPClientRequest(url: url, headers: [(name: "X-A", value: "nul\0byte")]),
            HTTPClientRequest(url: url, headers: [(name: "X-A: 1\r\nX-B", value: "2")]),
            HTTPClientRequest(url: url, headers: [(name: "", value: "no name")]),
            HTTPClientRequest(url: url, headers: [(name: "Bad Name", value: "v")]),
            HTTPClientRequest(method: "GET", url: url, body: [1]),
            HTTPClientRequest(method: "HEAD", url: url, body: []),
        ]
        for request in refused {
            #expect(throws: HTTPClientError.invalidRequest) { try client.perform(request) }
        }
    }

    // MARK: threads

    @Test func manyThreadsAtOnce() {
        let statuses = Mutex<[Int]>([])
        let group = DispatchGroup()
        for i in 0..<24 {
            DispatchQueue.global().async(group: group) {
                let path = i % 3 == 0 ? "/redirect" : "/json"
                let status = (try? client.perform(HTTPClientRequest(url: peers.url(path))))?.status ?? -1
                statuses.withLock { $0.append(status) }
            }
        }
        group.wait()
        let all = statuses.withLock { $0 }
        #expect(all.count == 24)
        #expect(all.filter { $0 == 302 }.count == 8 && all.filter { $0 == 200 }.count == 16)
    }

    @Test func errorsCompareByKindAndSayWhatHappened() throws {
        let error = try #require(throws: HTTPClientError.self) { try get("/slow", options: HTTPClientOptions(totalTimeout: .milliseconds(200))) }
        #expect(error == .timeout && error != .other)
        #expect(error.description.hasPrefix("the request timed out"))
    }
}
