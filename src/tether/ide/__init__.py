"""The web IDE's server: `tether ide` serves the project in a browser, on the services the CLI
uses. Modules, one per area of the API:

    app          the ASGI app (Starlette) and its routes: thin handlers over the modules below
    security     the per-run token, Host and Origin checks (an ASGI middleware)
    files        list, read, save, rename, delete, confined to the project root
    project      check report, summary and operation markers (tether.loading, tether.summary)
    graph        layered layout of the project's graph (pure logic)
    permissions  each function's statements with the lines behind them (tether.permissions)
    plan         what the next deploy would do, from the stage's recorded state
    events       the WebSocket and the file watcher (messages from worker threads too)
    jobs         long operations in worker threads, one at a time per stage
    deploys      plan, deploy and deploy on save (tether.deploy.pipeline, tether.devloop)
    runs         local cloud status, sample events, invoke and its traceback's project frames
    testcases    list, save and run test cases (tether.invoke.cases)
    logs         a function's log lines, read or followed (tether.invoke.logs)
    http         the request tool: only to the stage's own local HTTP API URLs
    server       binding to 127.0.0.1 and running uvicorn in-process

Importing `tether` never imports this package (it pulls in the web stack).
"""
