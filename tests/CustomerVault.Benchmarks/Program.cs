using CustomerVault.Benchmarks;

// Load generators' helpers and seeders for tests/benchmarks/*.sh.
// seed-vendor-reads: registers vendors through the API and writes customers and grants straight into the event
//                    store, then appends one "vendor customer-id" line per pair for the load generator.
// seed-writes:       vendors and customers with real tokens, pending requests and active grants; one file of work
//                    items per write path.
// seed-audit:        writes a large consent history into the event store, for tests/benchmarks/audit.sh.
// as-of-latency:     times the auditors' as-of query for one customer through the API;
// as-of-sql-latency: and the same events by one plain SQL query.
// bare:              the smallest ASP.NET Core endpoint, to show what this machine serves with no work at all.
// failover-load:     consent writes and vendor reads through two nodes while tests/ha/failover.sh kills the leader.
return args switch
{
    ["seed-vendor-reads", .. var rest] => await VendorReadSeed.RunAsync(rest),
    ["seed-writes", .. var rest] => await WriteSeed.RunAsync(rest),
    ["seed-audit", .. var rest] => await AuditSeed.RunAsync(rest),
    ["as-of-latency", .. var rest] => await AsOfLatency.RunAsync(rest),
    ["as-of-sql-latency", .. var rest] => await AsOfLatency.RunSqlAsync(rest),
    ["bare", var urls] => Bare.Run(urls),
    ["failover-load", .. var rest] => await FailoverLoad.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: CustomerVault.Benchmarks seed-vendor-reads --api URL --data-directory DIR --vendors N [--vendors-file FILE] --customers N [--first N] --grants-per-customer N --out FILE [--workers N]
               CustomerVault.Benchmarks seed-writes --api URL --data-directory DIR --vendors N --customers N --request-targets N --items N --out-dir DIR [--workers N]
               CustomerVault.Benchmarks seed-audit --data-directory DIR --customers N --vendors N --heavy-events N --out FILE [--workers N]
               CustomerVault.Benchmarks as-of-latency --api URL --customer ID --samples N
               CustomerVault.Benchmarks as-of-sql-latency --data-directory DIR --customer ID --samples N
               CustomerVault.Benchmarks bare URLS
               CustomerVault.Benchmarks failover-load --api URL1,URL2 --connection CS --probe CS --duration SECONDS [--writers N] [--readers N] [--started FILE] [--killed FILE] [--report FILE]
        """);
    return 2;
}
