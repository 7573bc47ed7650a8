using CustomerVault.Benchmarks;

// seed-vendor-reads: registers vendors through the API and writes customers and grants straight into the event
//                    store, then prints one "token customer-id" line per pair for the load generator.
// bare:              the smallest ASP.NET Core endpoint, to show what this machine serves with no work at all.
// seed-audit:        writes a large consent history into the event store, for tests/benchmarks/audit.sh.
// as-of-latency:     times the auditors' as-of query for one customer.
// failover-load:     consent writes and vendor reads through two nodes while tests/ha/failover.sh kills the leader.
return args switch
{
    ["seed-vendor-reads", .. var rest] => await VendorReadSeed.RunAsync(rest),
    ["bare", var urls] => Bare.Run(urls),
    ["seed-audit", .. var rest] => await AuditSeed.RunAsync(rest),
    ["as-of-latency", .. var rest] => await AsOfLatency.RunAsync(rest),
    ["failover-load", .. var rest] => await FailoverLoad.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: CustomerVault.Benchmarks seed-vendor-reads --api URL --data-directory DIR --customers N --vendors N --grants-per-customer N --out FILE");
    Console.Error.WriteLine("       CustomerVault.Benchmarks bare URLS");
    Console.Error.WriteLine("       CustomerVault.Benchmarks failover-load --api URL1,URL2 --connection CS --probe CS --duration SECONDS [--writers N] [--readers N] [--started FILE] [--killed FILE] [--report FILE]");
    return 2;
}
