using CustomerVault.Benchmarks;

// seed-vendor-reads: registers vendors through the API and writes customers and grants straight into the event
//                    store, then prints one "token customer-id" line per pair for the load generator.
// bare:              the smallest ASP.NET Core endpoint, to show what this machine serves with no work at all.
// seed-audit:        writes a large consent history into the event store, for tests/benchmarks/audit.sh.
// as-of-latency:     times the auditors' as-of query for one customer.
return args switch
{
    ["seed-vendor-reads", .. var rest] => await VendorReadSeed.RunAsync(rest),
    ["bare", var urls] => Bare.Run(urls),
    ["seed-audit", .. var rest] => await AuditSeed.RunAsync(rest),
    ["as-of-latency", .. var rest] => await AsOfLatency.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: CustomerVault.Benchmarks seed-vendor-reads --api URL --data-directory DIR --customers N --vendors N --grants-per-customer N --out FILE");
    Console.Error.WriteLine("       CustomerVault.Benchmarks bare URLS");
    return 2;
}
