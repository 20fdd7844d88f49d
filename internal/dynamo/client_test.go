package dynamo

import "testing"

// Engines outside AWS get dummy credentials; AWS's endpoints, the usual ones.
func TestOutsideAWS(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "::1": true, "host.docker.internal": true, "dynamodb-local": true,
		"172.17.0.1": true, "dynamodb.eu-central-1.amazonaws.com": false, "dynamodb.cn-north-1.amazonaws.com.cn": false,
		"dynamodb.eu-central-1.api.aws": false, "DynamoDB.US-EAST-1.AMAZONAWS.COM.": false,
	} {
		if got := outsideAWS(host); got != want {
			t.Errorf("outsideAWS(%q) = %v, want %v", host, got, want)
		}
	}
}
