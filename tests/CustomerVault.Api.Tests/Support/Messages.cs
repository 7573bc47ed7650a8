using System.Net.Http.Json;

namespace CustomerVault.Api.Tests.Support;

public static class MessageRequests
{
    public static readonly object EmailTerms = new { channels = new[] { "email", "sms" }, maxContactsPerWeek = 3 };

    public static Task<HttpResponseMessage> SendMessageAsync(
        this HttpClient vendor, Guid customerId, string channel = "email", string subject = "Your telescope is ready", string body = "Come and collect it on Monday.",
        string purpose = "marketing", string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/customers/{customerId}/messages")
        {
            Content = JsonContent.Create(new { channel, subject, body, purpose }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return vendor.SendAsync(request);
    }
}
