// Command release-stuck is the release-stuck Lambda function: the scheduled
// sweep of stuck holds. Its handler arrives with the sweep.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() error { return nil })
}
